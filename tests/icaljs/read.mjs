// Reads a JSON array of iCalendar texts on stdin and prints, per text, what ical.js makes of
// each VEVENT: [uid, overridden occurrence, start, excluded occurrences], each time as
// ["utc", epoch seconds] | ["floating", "YYYY-MM-DDTHH:MM:SS"] | ["date", "YYYY-MM-DD"].
// A parse error ends the process with a message (tests/interop.py fails on it).
import ICAL from "ical.js";

function instant(time) {
  if (time.isDate) return ["date", time.toString()];
  if (time.zone === ICAL.Timezone.localTimezone) return ["floating", time.toString()];
  return ["utc", time.toUnixTime()];
}

function read(text) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  return calendar.getAllSubcomponents("vevent").map((vevent) => {
    const rid = vevent.getFirstPropertyValue("recurrence-id");
    const excluded = vevent.getAllProperties("exdate").flatMap((p) => p.getValues()).map(instant);
    return [
      vevent.getFirstPropertyValue("uid"),
      rid ? instant(rid) : null,
      instant(vevent.getFirstPropertyValue("dtstart")),
      excluded,
    ];
  });
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(read)));
});
