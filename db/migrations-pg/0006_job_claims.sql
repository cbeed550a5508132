CREATE TABLE "job_claims" (
	"job" text NOT NULL,
	"item" text NOT NULL,
	"holder" text NOT NULL,
	"lease_until" bigint NOT NULL,
	CONSTRAINT "job_claims_job_item_pk" PRIMARY KEY("job","item")
);
