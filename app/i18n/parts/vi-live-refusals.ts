/**
 * The media server's refusal codes (live-protocol/refusals.ts) in words: the server sends only the
 * code, the browser says it in the reader's language. `live.refusal.session-full-retry` is
 * session-full when not even audio fits.
 */
export const viLiveRefusals = {
  "live.refusal.invalid-payload": "Dữ liệu gửi lên không hợp lệ.",
  "live.refusal.payload-too-large": "Dữ liệu gửi lên quá lớn.",
  "live.refusal.rate-limited": "Thao tác quá nhanh, vui lòng thử lại sau giây lát.",
  "live.refusal.not-joined": "Chưa vào phiên sinh hoạt.",
  "live.refusal.forbidden": "Bạn không có quyền thực hiện thao tác này.",
  "live.refusal.not-found": "Không tìm thấy đối tượng yêu cầu.",
  "live.refusal.session-full": "Phiên đã đủ người xem hình. Bạn có thể nghe tiếng (chỉ âm thanh) hoặc thử lại sau.",
  "live.refusal.session-full-retry": "Phiên đã đủ người. Vui lòng thử lại sau.",
  "live.refusal.cannot-consume": "Trình duyệt không nhận được luồng này.",
  "live.refusal.session-ended": "Phiên sinh hoạt đã kết thúc.",
  "live.refusal.media-restarting": "Máy chủ truyền hình đang khởi động lại, vui lòng chờ.",
  "live.error.replaced": "Bạn đã mở phiên này ở một thẻ hoặc thiết bị khác; kết nối này đã được thay thế.",
  "live.refusal.checkin-code-expired": "Mã QR này đã hết hạn hoặc không đúng. Hãy quét lại mã đang hiện trên màn hình phòng sinh hoạt.",
  "live.refusal.cell-room-offline": "Màn hình phòng sinh hoạt này đã ngắt kết nối. Hãy báo đồng chí bí thư mở lại phòng rồi quét mã mới.",
  "live.refusal.not-on-roster": "Đồng chí không có trong danh sách được mời của chi bộ này, nên không điểm danh tại phòng này được. Hãy báo đồng chí bí thư, hoặc tự vào phòng trên thiết bị của mình.",
  "live.refusal.recording-unavailable": "Chưa ghi hình được: máy chủ chưa có bộ ghi, hoặc chưa có hình và tiếng đang phát. Hãy bắt đầu phát rồi thử lại.",
  "live.refusal.internal": "Lỗi máy chủ, vui lòng thử lại.",
  "live.refusal.forbidden-origin": "Nguồn truy cập không được phép.",
  "live.refusal.invalid-token": "Mã tham gia không hợp lệ.",
  "live.refusal.expired-token": "Mã tham gia đã hết hạn, vui lòng tải lại trang.",
  "live.refusal.unknown-session": "Không tìm thấy phiên sinh hoạt.",
  "live.refusal.member-inactive": "Tài khoản không còn hoạt động.",
  "live.refusal.not-invited": "Bạn không được mời tham dự phiên này.",
  "live.refusal.not-presenter": "Bạn không phải người trình bày của phiên này.",
  "live.refusal.wrong-node": "Đang chuyển bạn sang máy chủ truyền hình khác, vui lòng chờ.",
} as const;
