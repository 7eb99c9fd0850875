// Reads a JSON array of {text, until} on stdin and prints, per text, what ical.js makes of it:
// {vevents: [[uid, overridden occurrence, start, excluded occurrences], ...],
//  slots: {uid: [[slot, start], ...]}}, each time as
// ["utc", epoch seconds] | ["floating", "YYYY-MM-DDTHH:MM:SS"] | ["date", "YYYY-MM-DD"].
// `slots` are the event's occurrences as ICAL.Event.iterator() expands them (RRULE, RDATE, EXDATE),
// each at the start its RECURRENCE-ID override gives, up to `until[uid]` (epoch seconds, floating
// and date values read as UTC, as toUnixTime does).
// A parse error ends the process with a message (tests/interop.py fails on it).
import ICAL from "ical.js";

function instant(time) {
  if (time.isDate) return ["date", time.toString()];
  if (time.zone === ICAL.Timezone.localTimezone) return ["floating", time.toString()];
  return ["utc", time.toUnixTime()];
}

function expand(vevents, bound) {
  const master = vevents.find((vevent) => !vevent.hasProperty("recurrence-id"));
  if (!master) {
    return vevents.map((vevent) => {
      const event = new ICAL.Event(vevent);
      return [instant(event.recurrenceId), instant(event.startDate)];
    });
  }
  const event = new ICAL.Event(master);
  for (const vevent of vevents) {
    if (vevent !== master) event.relateException(vevent);
  }
  if (!event.isRecurring()) return [[instant(event.startDate), instant(event.startDate)]];
  const slots = [];
  const iterator = event.iterator();
  for (let slot = iterator.next(); slot && slot.toUnixTime() <= bound; slot = iterator.next()) {
    slots.push([instant(slot), instant(event.getOccurrenceDetails(slot).startDate)]);
  }
  return slots;
}

function read({ text, until }) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  const vevents = calendar.getAllSubcomponents("vevent");
  const byUid = new Map();
  for (const vevent of vevents) {
    const uid = vevent.getFirstPropertyValue("uid");
    byUid.set(uid, [...(byUid.get(uid) ?? []), vevent]);
  }
  return {
    vevents: vevents.map((vevent) => {
      const rid = vevent.getFirstPropertyValue("recurrence-id");
      const excluded = vevent.getAllProperties("exdate").flatMap((p) => p.getValues()).map(instant);
      return [
        vevent.getFirstPropertyValue("uid"),
        rid ? instant(rid) : null,
        instant(vevent.getFirstPropertyValue("dtstart")),
        excluded,
      ];
    }),
    slots: Object.fromEntries([...byUid].map(([uid, group]) => [uid, expand(group, until[uid])])),
  };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(read)));
});
