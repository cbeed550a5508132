import { Zip, ZipPassThrough } from "fflate";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { renderCertificatePdf, type CertificateForPdf } from "./pdf.server.ts";

export type ZipEntry = CertificateForPdf & { memberCode: string };

/** "DV-0001-nguyen-van-an.pdf": the member code keeps names unique, the folded name helps people. */
export function pdfFileName(e: Pick<ZipEntry, "memberCode" | "memberName">): string {
  const slug = foldVietnamese(e.memberName)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  const code = e.memberCode.replace(/[^A-Za-z0-9._-]+/g, "_");
  return `${code}${slug ? `-${slug}` : ""}.pdf`;
}

/**
 * One ZIP of certificates, produced as it is read: each PDF is rendered when the client pulls
 * for more, and stored (PDF streams are already compressed), so memory holds one certificate at a
 * time whatever the size of the unit, and the download starts at once.
 */
export function certificatesZipStream(entries: ZipEntry[], origin: string): ReadableStream<Uint8Array> {
  const pending: Uint8Array[] = [];
  let finished = false;
  let failed: unknown = null;
  const zip = new Zip((err, chunk, final) => {
    if (err) failed = err;
    else {
      pending.push(chunk);
      if (final) finished = true;
    }
  });
  let i = 0;
  const used = new Set<string>();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (pending.length === 0 && !finished) {
          if (i < entries.length) {
            const e = entries[i++];
            const pdf = await renderCertificatePdf(e, origin);
            let name = pdfFileName(e);
            for (let n = 2; used.has(name); n++) name = pdfFileName(e).replace(/\.pdf$/, `-${n}.pdf`);
            used.add(name);
            const file = new ZipPassThrough(name);
            file.mtime = e.issuedAt;
            zip.add(file);
            file.push(pdf, true);
          } else {
            zip.end();
          }
          if (failed) throw failed;
        }
        while (pending.length) controller.enqueue(pending.shift()!);
        if (finished) controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
  });
}
