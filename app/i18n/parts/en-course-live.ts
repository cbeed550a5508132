import type { viCourseLive } from "./vi-course-live.ts";

/** English strings of live-session course items; must have exactly the keys of vi-course-live.ts. */
export const enCourseLive: Record<keyof typeof viCourseLive, string> = {
  "courses.item.live": "Live session",
  "courses.live.itemTitle": "Attend: {title}",
  "courses.live.pick": "Live session to attend",
  "courses.live.add": "Add an attend-session item",
  "courses.live.intro": "This item is complete once you attend the live session below (present or late, by the system's attendance record), on your own device or in your cell's meeting room.",
  "courses.live.when": "When: {when}",
  "courses.live.join": "Open the session page",
  "courses.live.upcoming": "The session has not ended yet; the item is recorded after it ends.",
  "courses.live.attended": "You attended the session ({status}). This item is complete.",
  "courses.live.settling": "You attended the session ({status}); the item will be recorded within a minute.",
  "courses.live.absent": "The attendance record says: {status}. This item is not complete; if that is wrong, ask your trainer to correct the attendance.",
  "courses.live.notInvited": "You are not on this session's invitation list; please contact your trainer.",
  "courses.live.missing": "This live session no longer exists.",
  "authoring.error.liveSessionMissing": "Item “{key}”: live session {id} was not found (or is outside your scope).",
  "authoring.error.liveSessionRequired": "An attend-session item needs a live session.",
};
