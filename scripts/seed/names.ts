/** Realistic, common Vietnamese name parts for generated organisations (demo seed, tests, bench). */
export const FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Tạ"];
export const MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Đình", "Mạnh", "Tuấn", "Gia"];
export const MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Phương", "Kim", "Thùy", "Mai"];
export const GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long", "Nam", "Phong", "Phúc", "Quang", "Quân", "Sơn", "Thắng", "Thành", "Toàn", "Trung", "Tuấn", "Việt", "Vinh"];
export const GIVEN_FEMALE = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Tâm", "Thảo", "Trang", "Uyên", "Vân", "Yến"];
export const POSITIONS = ["Chuyên viên", "Chuyên viên chính", "Chuyên viên cao cấp", "Phó Trưởng phòng", "Trưởng phòng", "Cán sự", "Nhân viên"];

/** Small deterministic PRNG (mulberry32) so a seed always yields the same organisation. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick };
}

export function makeName(r: Awaited<ReturnType<typeof rng>>): string {
  const female = r.next() < 0.45;
  return [r.pick(FAMILY), r.pick(female ? MIDDLE_FEMALE : MIDDLE_MALE), r.pick(female ? GIVEN_FEMALE : GIVEN_MALE)].join(" ");
}
