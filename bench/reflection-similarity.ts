import { one } from "#db/first.ts";
/**
 * reflection-similarity: the copy check of reflections (app/reflections/similarity*.ts) on a
 * generated corpus of 10,000 submissions on one prompt, in a real SQLite file.
 *
 * Corpus: honest texts of ~250 words drawn from a Vietnamese vocabulary with a skewed frequency
 * (common words like "và", "của", "nghị quyết" recur) and stock phrases every writer on this prompt
 * uses ("học tập và làm theo", "nâng cao chất lượng sinh hoạt chi bộ"), so honest texts share more
 * than random ones would; copies are an indexed text with 5, 10, 20 or 30 % of its words replaced.
 * Positives = copies (a copy with 30 % of its words changed still counts as one to find).
 *
 * Measured: precision and recall of the flag (Jaccard of word 3-shingles ≥ threshold) as the
 * product computes it (MinHash/LSH candidates, then exact Jaccard), and as an exact all-pairs
 * check would; and the time to check one new submission against the 10,000 — the LSH path vs the
 * baseline, a full comparison reading and shingling every earlier text of the course (what a
 * naive check per request does), in the same run. Times are reported, never asserted.
 */
import { closeDb, openDb, writeTx } from "#db/client.server.ts";
import { courses, members, reflectionLshBuckets, reflectionSubmissions, reflectionVersions, units } from "#db/schema/index.ts";
import { checkAndIndexVersion, similarAmong, similarityCandidates } from "#app/reflections/similarity.server.ts";
import { jaccard, lshBuckets, minhash, shingles, SIMILARITY_THRESHOLD, LSH_BANDS, LSH_ROWS, SHINGLE_WORDS } from "#app/reflections/similarity.ts";
import { fmtInt, fmtMs, fmtRatio, heading, removeDbFiles, stats, table, timeAsync, tmpDbPath, type BenchResult } from "./lib.ts";
import { eq } from "drizzle-orm";

export const title = "reflection-similarity — copy flag on 10,000 submissions: precision/recall, LSH check vs full comparison";

const CORPUS = Number(process.env.BENCH_REFLECTIONS ?? 10_000);
const WORDS = 250;
const COPY_RATES = [0.05, 0.1, 0.2, 0.3];
const COPIES_PER_RATE = 25;
const HONEST_PROBES = 100;
const BASELINE_PROBES = 3;
const LOAD_CHECKED = 500;

/** A small deterministic PRNG (mulberry32), so every run draws the same corpus. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = (
  "nghị quyết đảng viên chi bộ học tập làm theo tư tưởng đạo đức phong cách hồ chí minh cán bộ công chức nhân dân xã phường thôn bản " +
  "chuyển đổi số dịch vụ công trực tuyến hồ sơ thủ tục hành chính cải cách kỷ luật kỷ cương trách nhiệm nêu gương tự phê bình phê bình " +
  "kinh tế xã hội phát triển bền vững môi trường giáo dục y tế văn hóa an ninh quốc phòng đoàn kết thống nhất lãnh đạo chỉ đạo điều hành " +
  "kế hoạch nhiệm vụ giải pháp mục tiêu chỉ tiêu tháng quý năm tuần buổi tối sáng chiều ngày đêm gia đình cơ quan đơn vị tổ đội nhóm " +
  "tôi chúng bản thân đồng chí đồng nghiệp bà con người dân thanh niên phụ nữ cựu chiến binh nông dân công nhân trí thức doanh nghiệp " +
  "sẽ đã đang cần phải nên có không được bị cho với về từ đến tại trong ngoài trên dưới sau trước khi thì mà nhưng hoặc cũng đều rất " +
  "nâng cao chất lượng hiệu quả sinh hoạt thường xuyên định kỳ kiểm tra giám sát đánh giá báo cáo tổng kết rút kinh nghiệm đề xuất kiến nghị " +
  "đọc viết nghe nói tìm hiểu nghiên cứu trao đổi thảo luận hướng dẫn giúp đỡ hỗ trợ phối hợp tham gia tổ chức thực hiện triển khai áp dụng " +
  "đường điện nước trường học trạm xá chợ nhà văn hóa sân thể thao cây xanh rác thải nông nghiệp sản phẩm hợp tác xã du lịch làng nghề"
).split(" ");
const STOCK = [
  "học tập và làm theo tư tưởng đạo đức phong cách hồ chí minh",
  "nâng cao chất lượng sinh hoạt chi bộ",
  "nghị quyết đại hội đảng bộ",
  "bản thân tôi xin hứa",
  "đẩy mạnh chuyển đổi số",
];

function honestText(r: () => number): string {
  const out: string[] = [];
  while (out.length < WORDS) {
    if (r() < 0.04) out.push(...STOCK[Math.floor(r() * STOCK.length)].split(" "));
    // Skewed choice: low indices (common words) come up far more often.
    else out.push(SYLLABLES[Math.floor(SYLLABLES.length * r() ** 2.2)]);
    if (r() < 0.07) out[out.length - 1] += ".";
  }
  return out.join(" ");
}

function copyOf(text: string, rate: number, r: () => number): string {
  return text
    .split(" ")
    .map((w) => (r() < rate ? SYLLABLES[Math.floor(SYLLABLES.length * r())] : w))
    .join(" ");
}

export async function run(): Promise<BenchResult> {
  console.log(heading(title));
  const file = tmpDbPath("reflection-similarity", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  try {
    const r = rng(15);
    const now = new Date();
    const { unit, course } = await writeTx(db, async (tx) => ({
      unit: await one(tx.insert(units).values({ code: "U", name: "Đơn vị", nameFolded: "don vi", path: "/1/", depth: 0, createdAt: now, updatedAt: now }).returning()),
      course: await one(tx.insert(courses).values({ slug: "bench", title: "Bench", createdAt: now, updatedAt: now }).returning()),
    }));
    /** One submitted version by a new member, indexed as submitReflection does (checked too when `check`). */
    const submit = (text: string, i: number, check: boolean) =>
      writeTx(db, async (tx) => {
        const memberId = (await one(tx.insert(members).values({ code: `W${i}`, fullName: `Người viết ${i}`, fullNameFolded: `nguoi viet ${i}`, unitId: unit.id, createdAt: now, updatedAt: now }).returning())).id;
        const sub = await one(tx.insert(reflectionSubmissions).values({ memberId, courseId: course.id, itemKey: "thu-hoach", state: "submitted", versionNo: 1, createdAt: now, updatedAt: now }).returning());
        const v = await one(
          tx
            .insert(reflectionVersions)
            .values({ submissionId: sub.id, versionNo: 1, doc: {}, text, words: WORDS, courseId: course.id, memberId, unitId: unit.id, submittedAt: now })
            .returning(),
        );
        if (check) return (await checkAndIndexVersion(tx, { id: v.id, courseId: course.id, memberId, text })).length;
        for (const [band, bucket] of lshBuckets(minhash(shingles(text))).entries()) await tx.insert(reflectionLshBuckets).values({ courseId: course.id, band, bucket, versionId: v.id });
        return 0;
      });

    // ---- the corpus: 10,000 honest submissions, each checked against those before it as it arrives
    const texts: string[] = [];
    for (let i = 0; i < CORPUS; i++) texts.push(honestText(r));
    // One transaction for the whole load (the product commits one per submission; fsyncs are not
    // what is measured here). The first LOAD_CHECKED are checked as they arrive, as the product
    // does; the rest only indexed, to keep the bench within its time.
    const load = await timeAsync(() =>
      writeTx(db, async () => {
        for (const [i, t] of texts.entries()) await submit(t, i, i < LOAD_CHECKED);
      }),
    );
    const falseOnLoad = db.$client.prepare("SELECT COUNT(*) AS n FROM reflection_similarities").get() as { n: number };

    // ---- probes: copies of indexed texts at each rate, and new honest texts
    type Probe = { text: string; copy: boolean; rate: number; sourceJ: number };
    const probes: Probe[] = [];
    for (const rate of COPY_RATES)
      for (let k = 0; k < COPIES_PER_RATE; k++) {
        const source = texts[Math.floor(r() * CORPUS)];
        const text = copyOf(source, rate, r);
        probes.push({ text, copy: true, rate, sourceJ: jaccard(shingles(text), shingles(source)) });
      }
    for (let k = 0; k < HONEST_PROBES; k++) probes.push({ text: honestText(r), copy: false, rate: 0, sourceJ: 0 });
    // A probe is checked as a member outside the corpus (memberId 0 never wrote).
    const lshCheck = async (text: string) => (await similarAmong(db, text, await similarityCandidates(db, course.id, 0, lshBuckets(minhash(shingles(text)))))).length > 0;
    const allTexts = async () => await db.select({ text: reflectionVersions.text }).from(reflectionVersions).where(eq(reflectionVersions.courseId, course.id));
    const fullCheck = async (text: string) => {
      const mine = shingles(text);
      let hit = false;
      for (const o of await allTexts()) if (jaccard(mine, shingles(o.text)) >= SIMILARITY_THRESHOLD) hit = true;
      return hit;
    };

    const lshMs: number[] = [];
    const candidates: number[] = [];
    const flags: boolean[] = [];
    for (const p of probes) {
      const t = await timeAsync(() => lshCheck(p.text));
      lshMs.push(t.ms);
      candidates.push((await similarityCandidates(db, course.id, 0, lshBuckets(minhash(shingles(p.text))))).length);
      flags.push(t.value);
    }
    // The baseline on a few probes (each reads and shingles all 10,000 texts), interleaved with the
    // product's check of the same probe so both see the same machine load.
    const baseMs: number[] = [];
    const pairedLsh: number[] = [];
    const exactFlags: boolean[] = [];
    let agreed = 0;
    for (let k = 0; k < BASELINE_PROBES; k++) {
      const p = probes[Math.floor((k * probes.length) / BASELINE_PROBES)];
      const b = await timeAsync(() => fullCheck(p.text));
      baseMs.push(b.ms);
      exactFlags.push(b.value);
      const l = await timeAsync(() => lshCheck(p.text));
      pairedLsh.push(l.ms);
      if (l.value === b.value) agreed++;
    }
    const tp = probes.filter((p, i) => p.copy && flags[i]).length;
    const fp = probes.filter((p, i) => !p.copy && flags[i]).length;
    const fn = probes.filter((p, i) => p.copy && !flags[i]).length;
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp / (tp + fn);
    const byRate = COPY_RATES.map((rate) => {
      const idx = probes.map((p, i) => (p.copy && p.rate === rate ? i : -1)).filter((i) => i >= 0);
      const js = idx.map((i) => probes[i].sourceJ).sort((a, b) => a - b);
      return { rate, found: idx.filter((i) => flags[i]).length, of: idx.length, medianJ: js[Math.floor(js.length / 2)] };
    });
    // What LSH loses: copies whose exact Jaccard to their source reaches the threshold, not flagged.
    const reachable = probes.map((p, i) => ({ p, i })).filter(({ p }) => p.copy && p.sourceJ >= SIMILARITY_THRESHOLD);
    const lshRecall = reachable.filter(({ i }) => flags[i]).length / Math.max(1, reachable.length);
    const s = stats(lshMs);
    const b = stats(baseMs);
    const pl = stats(pairedLsh);
    const c = stats(candidates);
    console.log(
      table(
        ["copies with words changed", "median Jaccard to source", "flagged", "recall"],
        byRate.map((x) => [`${x.rate * 100} %`, x.medianJ.toFixed(2), `${x.found}/${x.of}`, `${((x.found / x.of) * 100).toFixed(0)} %`]),
      ),
    );
    console.log(
      `  honest probes flagged: ${fp}/${HONEST_PROBES}; honest pairs flagged among the first ${fmtInt(Math.min(LOAD_CHECKED, CORPUS))} corpus texts (each checked on arrival): ${falseOnLoad.n}; ` +
        `exact full check agreed with LSH on ${agreed}/${BASELINE_PROBES} probes`,
    );
    console.log(
      table(
        ["check of one submission vs 10,000", "p50", "p95", "n"],
        [
          ["LSH candidates + exact Jaccard (product)", fmtMs(s.p50), fmtMs(s.p95), s.n],
          ["  same probes as the baseline", fmtMs(pl.p50), fmtMs(pl.p95), pl.n],
          ["baseline: read + shingle + Jaccard all", fmtMs(b.p50), fmtMs(b.p95), b.n],
        ],
      ),
    );
    console.log(`  candidates compared exactly per check: p50 ${c.p50}, p95 ${c.p95}, max ${c.max} (of ${fmtInt(CORPUS)})`);
    console.log(`  parameters: ${SHINGLE_WORDS}-word shingles, threshold ${SIMILARITY_THRESHOLD}, ${LSH_BANDS} bands × ${LSH_ROWS} rows; corpus load ${fmtMs(load.ms)}`);
    return {
      name: "reflection-similarity",
      summary: [
        `reflection-similarity (${fmtInt(CORPUS)} submissions, one prompt; ${probes.length - HONEST_PROBES} copies at ${COPY_RATES.map((x) => `${x * 100}%`).join("/")} words changed, ${HONEST_PROBES} honest): ` +
          `precision ${(precision * 100).toFixed(1)} %, recall ${(recall * 100).toFixed(1)} % of all copies at Jaccard ≥ ${SIMILARITY_THRESHOLD} (by rate: ${byRate.map((x) => `${x.found}/${x.of}`).join(", ")}); ` +
          `recall ${(lshRecall * 100).toFixed(1)} % of the ${reachable.length} copies whose exact Jaccard reaches the threshold (what LSH loses)`,
        `reflection-similarity: one check vs ${fmtInt(CORPUS)}: ${fmtMs(pl.p50)} p50 (LSH) vs ${fmtMs(b.p50)} p50 full comparison baseline (baseline ÷ LSH = ${fmtRatio(b.p50, pl.p50)}); ` +
          `${c.p50} candidates p50`,
      ],
    };
  } finally {
    await closeDb(db);
    removeDbFiles(file);
  }
}
