import { useEffect, useRef, useState } from "react";

/**
 * The width of a container in CSS pixels, followed as it changes. The server (and the first client
 * render, so hydration matches) uses `initial`; the chart is then drawn at the real width, so its
 * text keeps its size on a 360 px phone instead of being scaled down with the whole picture.
 */
export function useWidth<T extends HTMLElement>(initial: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      // The content box: the figure's padding and border are not the chart's to draw in.
      const cs = getComputedStyle(el);
      const w = Math.floor(el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
      if (w > 0) setWidth(Math.max(240, w));
    };
    update();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

export function percentFormatter(locale: string) {
  return new Intl.NumberFormat(locale === "vi" ? "vi-VN" : "en-GB", { style: "percent", maximumFractionDigits: 1 });
}

/** Cuts a label to about `px` pixels of a 13 px system font (SVG text does not wrap). */
export function fitLabel(text: string, px: number): string {
  const max = Math.max(4, Math.floor(px / 7.2));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
