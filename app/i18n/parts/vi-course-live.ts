/** Course items that ask a member to attend a live session. */
export const viCourseLive = {
  "courses.item.live": "Phiên trực tuyến",
  "courses.live.itemTitle": "Tham dự: {title}",
  "courses.live.pick": "Phiên sinh hoạt trực tuyến cần tham dự",
  "courses.live.add": "Thêm mục tham dự phiên",
  "courses.live.intro": "Mục này hoàn thành khi đồng chí tham dự phiên sinh hoạt trực tuyến dưới đây (có mặt hoặc đi muộn, theo nhật ký điểm danh của hệ thống), trên thiết bị của mình hoặc tại phòng sinh hoạt của chi bộ.",
  "courses.live.when": "Thời gian: {when}",
  "courses.live.join": "Mở trang phiên sinh hoạt",
  "courses.live.upcoming": "Phiên chưa kết thúc; mục sẽ được ghi nhận sau khi phiên kết thúc.",
  "courses.live.attended": "Đồng chí đã tham dự phiên ({status}). Mục này đã hoàn thành.",
  "courses.live.settling": "Đồng chí đã tham dự phiên ({status}); hệ thống sẽ ghi nhận mục này trong vòng một phút.",
  "courses.live.absent": "Nhật ký điểm danh ghi nhận: {status}. Mục này chưa hoàn thành; nếu có sai sót, hãy đề nghị báo cáo viên điều chỉnh điểm danh.",
  "courses.live.notInvited": "Đồng chí không có trong danh sách mời của phiên này; hãy liên hệ báo cáo viên.",
  "courses.live.missing": "Phiên sinh hoạt này không còn trên hệ thống.",
  "authoring.error.liveSessionMissing": "Mục «{key}»: không tìm thấy phiên sinh hoạt trực tuyến số {id} (hoặc phiên nằm ngoài phạm vi của đồng chí).",
  "authoring.error.liveSessionRequired": "Mục tham dự phiên cần chọn một phiên sinh hoạt trực tuyến.",
} as const;
