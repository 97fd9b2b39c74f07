//! Timestamp formats.

use chrono::{TimeZone, Utc};

use super::super::time::{clf_time, epoch_millis, iso_millis, iso_seconds, parse_iso};
use super::t;

#[test]
fn formats_of_one_instant() {
    let x = t(0);
    assert_eq!(iso_millis(x), "2026-01-01T00:00:00.123Z");
    assert_eq!(iso_seconds(x), "2026-01-01T00:00:00Z");
    assert_eq!(clf_time(x), "01/Jan/2026:00:00:00 +0000");
    assert_eq!(epoch_millis(x), 1_767_225_600_123);
}

#[test]
fn formats_table() {
    let cases = [
        (
            Utc.with_ymd_and_hms(2020, 4, 21, 15, 8, 21).unwrap(),
            "2020-04-21T15:08:21.000Z",
            "2020-04-21T15:08:21Z",
            "21/Apr/2020:15:08:21 +0000",
        ),
        (
            Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap(),
            "1999-12-31T23:59:59.000Z",
            "1999-12-31T23:59:59Z",
            "31/Dec/1999:23:59:59 +0000",
        ),
        (
            Utc.with_ymd_and_hms(5, 9, 3, 4, 5, 6).unwrap(),
            "0005-09-03T04:05:06.000Z",
            "0005-09-03T04:05:06Z",
            "03/Sep/0005:04:05:06 +0000",
        ),
    ];
    for (time, millis, secs, clf) in cases {
        assert_eq!(iso_millis(time), millis);
        assert_eq!(iso_seconds(time), secs);
        assert_eq!(clf_time(time), clf);
        // Our output agrees with chrono's own formatting.
        assert_eq!(
            iso_millis(time),
            time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        );
        assert_eq!(
            clf_time(time),
            time.format("%d/%b/%Y:%H:%M:%S +0000").to_string()
        );
    }
    let late = t(0) + chrono::Duration::milliseconds(876);
    assert_eq!(iso_millis(late), "2026-01-01T00:00:00.999Z");
    assert_eq!(iso_seconds(late), "2026-01-01T00:00:00Z");
}

#[test]
fn parse_iso_accepts_offsets() {
    assert_eq!(parse_iso("2026-01-01T00:00:00.123Z"), Some(t(0)));
    assert_eq!(
        parse_iso("2026-01-01T01:00:00+01:00").map(iso_seconds),
        Some("2026-01-01T00:00:00Z".to_string())
    );
    assert_eq!(parse_iso("yesterday"), None);
    assert_eq!(parse_iso(""), None);
}
