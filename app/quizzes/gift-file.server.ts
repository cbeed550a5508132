/**
 * The bytes of an uploaded or read GIFT file → text. Windows editors save GIFT banks as UTF-16
 * ("Unicode") or in the legacy Windows-1258 code page; decoding those as UTF-8 would store U+FFFD
 * in place of every Vietnamese letter. The detection is the CSV importer's (BOM, UTF-16 with or
 * without BOM, strict UTF-8, Windows-1258 that reads as Vietnamese); anything else is refused
 * with a message that says how to save the file, never decoded with replacement characters.
 */
import { decodeTextBytes } from "#app/org/text-decoding.server.ts";
import type { GiftProblem } from "./gift.ts";

export type GiftFileText = { ok: true; text: string } | { ok: false; problem: GiftProblem };

const SAVE_AS_UTF8_VI = "Hãy mở tệp bằng trình soạn thảo (ví dụ Notepad), chọn Lưu thành (Save As) với mã hóa UTF-8 rồi tải lên lại.";
const SAVE_AS_UTF8_EN = "Open the file in a text editor (e.g. Notepad), use Save As with the UTF-8 encoding, and upload it again.";

function refused(line: number, vi: string, en: string): GiftFileText {
  return { ok: false, problem: { line, code: "encoding", message: { vi: `${vi} ${SAVE_AS_UTF8_VI}`, en: `${en} ${SAVE_AS_UTF8_EN}` } } };
}

export function decodeGiftBytes(bytes: Uint8Array): GiftFileText {
  if (bytes.length === 0) return { ok: true, text: "" };
  const decoded = decodeTextBytes(bytes);
  if (!decoded.ok) {
    return decoded.reason === "not-text"
      ? refused(1, "Tệp này không phải tệp văn bản GIFT (có vẻ là tệp nhị phân, ví dụ .docx hoặc .xlsx).", "This is not a GIFT text file (it looks binary, e.g. a .docx or .xlsx file).")
      : refused(
          1,
          "Không nhận dạng được bảng mã ký tự của tệp GIFT (không phải UTF-8, UTF-16 hay Windows-1258); tiếng Việt sẽ bị lỗi font nên tệp không được nhập.",
          "The GIFT file's character encoding could not be recognised (not UTF-8, UTF-16 or Windows-1258); Vietnamese letters would be garbled, so it was not imported.",
        );
  }
  // A replacement character in a file that decoded cleanly was put there by an earlier bad
  // conversion; storing it would keep the damage, so point at it instead.
  const bad = decoded.text.search(/[\uFFFD\u0000]/);
  if (bad >= 0) {
    const line = decoded.text.slice(0, bad).split(/\r\n|\r|\n/).length;
    return refused(
      line,
      `Dòng ${line} có ký tự hỏng (� hoặc ký tự rỗng), dấu vết của một lần đổi bảng mã sai; tệp không được nhập.`,
      `Line ${line} contains a broken character (� or NUL), left by an earlier wrong conversion; the file was not imported.`,
    );
  }
  return { ok: true, text: decoded.text.replace(/^\uFEFF/, "").normalize("NFC") };
}
