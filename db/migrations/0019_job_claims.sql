CREATE TABLE `job_claims` (
	`job` text NOT NULL,
	`item` text NOT NULL,
	`holder` text NOT NULL,
	`lease_until` integer NOT NULL,
	PRIMARY KEY(`job`, `item`)
);
