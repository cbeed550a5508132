/**
 * Expected refusals, sent to the client as an ack `{ error, message: { vi, en } }` (or as a
 * connect_error's `data` from the auth middleware). Anything else is logged and answered "internal".
 */
export const MESSAGES = {
  "invalid-payload": ["Dữ liệu gửi lên không hợp lệ.", "The request payload is invalid."],
  "payload-too-large": ["Dữ liệu gửi lên quá lớn.", "The request payload is too large."],
  "rate-limited": ["Thao tác quá nhanh, vui lòng thử lại sau giây lát.", "Too many requests; please try again shortly."],
  "chat-rate-limited": [
    "Đồng chí gửi tin nhắn quá nhanh; vui lòng chờ một chút rồi gửi lại.",
    "You are sending messages too fast; please wait a moment and send again.",
  ],
  "not-joined": ["Chưa vào phiên sinh hoạt.", "You have not joined the session yet."],
  forbidden: ["Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."],
  "not-found": ["Không tìm thấy đối tượng yêu cầu.", "The requested object was not found."],
  "session-full": [
    "Phiên đã đủ người xem hình. Bạn có thể nghe tiếng (chỉ âm thanh) hoặc thử lại sau.",
    "The session is full for video. You can join audio only, or try again later.",
  ],
  "session-full-retry": ["Phiên đã đủ người. Vui lòng thử lại sau.", "The session is full. Please try again later."],
  "cannot-consume": ["Trình duyệt không nhận được luồng này.", "Your browser cannot receive this stream."],
  "session-ended": ["Phiên sinh hoạt đã kết thúc.", "The session has ended."],
  "media-restarting": ["Máy chủ truyền hình đang khởi động lại, vui lòng chờ.", "The media server is restarting; please wait."],
  replaced: [
    "Bạn đã mở phiên này ở một thẻ hoặc thiết bị khác; kết nối này đã được thay thế.",
    "You opened this session in another tab or device; this connection was replaced.",
  ],
  "checkin-code-expired": [
    "Mã QR này đã hết hạn hoặc không đúng. Hãy quét lại mã đang hiện trên màn hình phòng sinh hoạt.",
    "This QR code has expired or is not valid. Scan the code now shown on the meeting room's screen again.",
  ],
  "cell-room-offline": [
    "Màn hình phòng sinh hoạt này đã ngắt kết nối. Hãy báo đồng chí bí thư mở lại phòng rồi quét mã mới.",
    "This meeting room's screen has disconnected. Ask the secretary to reopen the room, then scan the new code.",
  ],
  "not-on-roster": [
    "Đồng chí không có trong danh sách được mời của chi bộ này, nên không điểm danh tại phòng này được. Hãy báo đồng chí bí thư, hoặc tự vào phòng trên thiết bị của mình.",
    "You are not on this cell's invited roster, so you cannot check in at this room. Tell the secretary, or join on your own device.",
  ],
  internal: ["Lỗi máy chủ, vui lòng thử lại.", "Server error; please try again."],
  // Connection refusals (auth middleware)
  "forbidden-origin": ["Nguồn truy cập không được phép.", "This origin is not allowed."],
  "invalid-token": ["Mã tham gia không hợp lệ.", "The join token is invalid."],
  "expired-token": ["Mã tham gia đã hết hạn, vui lòng tải lại trang.", "The join token has expired; please reload the page."],
  "unknown-session": ["Không tìm thấy phiên sinh hoạt.", "The session does not exist."],
  "member-inactive": ["Tài khoản không còn hoạt động.", "This account is not active."],
  "not-invited": ["Bạn không được mời tham dự phiên này.", "You are not invited to this session."],
  "not-presenter": ["Bạn không phải người trình bày của phiên này.", "You are not a presenter of this session."],
} as const satisfies Record<string, readonly [string, string]>;

export type ErrorCode = keyof typeof MESSAGES;

export function messageOf(code: ErrorCode) {
  const [vi, en] = MESSAGES[code];
  return { vi, en };
}

export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly extra: Record<string, unknown> = {},
    /** Which text to send when it differs from the code's own (e.g. a chat-specific one). */
    readonly messageKey?: ErrorCode,
  ) {
    super(code);
    this.name = "ClientError";
  }

  toAck() {
    const key: ErrorCode = this.messageKey ?? (this.code === "session-full" && this.extra.audioOnly === false ? "session-full-retry" : this.code);
    return { error: this.code, message: messageOf(key), ...this.extra };
  }
}
