//! Time expressions: "in the last 7 days", "since yesterday", "before March
//! 2024", "between 2025-01-01 and 2025-02-01" read as a range of UTC
//! milliseconds, and which timestamp it is about (created, last active, last
//! sign-in). Binding puts the range into an operation's `<field>_after` /
//! `<field>_before` filters. Pure given `now`: the clock is read once, by
//! [`now_ms`], outside the resolver.

use super::entities::Token;
use crate::render::civil;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The timestamp a range is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `created_at` (the default; "created", "signed up", "joined", "new").
    Created,
    /// `last_active_at` ("active", "inactive", "seen").
    LastActive,
    /// `last_sign_in_at` ("signed in", "logged in", "login").
    LastSignIn,
}

impl Field {
    /// The stem of the operation's filters: `created_at` -> `created_at_after`.
    pub fn stem(self) -> &'static str {
        match self {
            Field::Created => "created_at",
            Field::LastActive => "last_active_at",
            Field::LastSignIn => "last_sign_in_at",
        }
    }
}

/// A time range the prompt states.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The timestamp it is about.
    pub field: Field,
    /// The word that named the field ("inactive"): not a search word either.
    pub cue: Option<usize>,
    /// Inclusive start, UTC milliseconds.
    pub after: Option<i64>,
    /// Exclusive end, UTC milliseconds.
    pub before: Option<i64>,
    /// Token indices of the expression: they are neither search words nor values.
    pub span: Vec<usize>,
}

/// Now in UTC milliseconds: `CLERK_NOW` (milliseconds or an ISO date-time) when
/// set, for exact tests and reproducible runs, else the system clock.
pub fn now_ms() -> i64 {
    if let Some(t) = std::env::var("CLERK_NOW").ok().and_then(|v| instant(&v)) {
        return t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `2026-12-01 22:50:12 UTC`, for notes and confirmations.
pub fn readable(ms: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil::from_unix(ms.div_euclid(1000));
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// One instant: Unix milliseconds (12+ digits), seconds (9–11 digits), or an
/// ISO date or date-time (`2025-01-01`, `2025-01-01T10:00:00Z`, `+02:00`).
pub fn instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        return match s.len() {
            12..=14 => Some(n),
            9..=11 => Some(n * SECOND),
            _ => None,
        };
    }
    iso(s).map(|(start, _)| start)
}

/// The prompt's tokens as words for [`find`] and [`order`]: lower case, outer
/// punctuation gone ("days," -> "days"). Made once per prompt.
pub fn words(tokens: &[Token]) -> Vec<String> {
    tokens.iter().map(word).collect()
}

/// Finds the prompt's time range, if it states one, as of `now`, in its [`words`].
pub fn find(words: &[String], now: i64) -> Option<Range> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut range: Option<Range> = None;
    let mut i = 0;
    while i < w.len() {
        let Some(hit) = expression(&w, i, now) else {
            i += 1;
            continue;
        };
        let r = range.get_or_insert_with(|| Range {
            field: Field::Created,
            cue: None,
            after: None,
            before: None,
            span: Vec::new(),
        });
        r.after = r.after.or(hit.after);
        r.before = r.before.or(hit.before);
        r.span.extend(hit.start..hit.end);
        if hit.relative && negated(&w[hit.start.saturating_sub(4)..hit.start]) {
            // "inactive for 30 days", "haven't signed in since March": the
            // last time is before the start of that span.
            r.before = r.after.take();
        }
        i = hit.end;
    }
    let mut r = range?;
    let start = r.span.first().copied().unwrap_or(0);
    (r.field, r.cue) = field(&w, start);
    Some(r)
}

/// A sort the prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The timestamp to sort by.
    pub field: Field,
    /// Newest first.
    pub desc: bool,
    /// The token that said it.
    pub at: usize,
}

impl Order {
    /// As Clerk writes it: `-created_at`.
    pub fn value(self) -> String {
        format!("{}{}", if self.desc { '-' } else { '+' }, self.field.stem())
    }
}

/// The sort the prompt asks for: "newest", "latest", "recent" -> descending,
/// "oldest", "earliest" -> ascending, by the timestamp the prompt is about.
pub fn order(words: &[String]) -> Option<Order> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    w.iter().enumerate().find_map(|(i, x)| {
        let desc = match *x {
            "newest" | "latest" | "recent" | "recently" | "youngest" => true,
            "oldest" | "earliest" => false,
            _ => return None,
        };
        Some(Order {
            field: field(&w, i + 1).0,
            desc,
            at: i,
        })
    })
}

/// The field a range is about, and the word that said so: the nearest field
/// word before it, else after it, else created.
fn field(w: &[&str], start: usize) -> (Field, Option<usize>) {
    let at = |i: usize| -> Option<Field> {
        let next = w.get(i + 1).copied().unwrap_or("");
        match w[i] {
            "signed" | "sign" | "logged" | "log" if next == "up" => Some(Field::Created),
            "signed" | "sign" | "logged" | "log" if matches!(next, "in" | "on" | "into") => {
                Some(Field::LastSignIn)
            }
            "signin" | "signins" | "login" | "logins" | "logon" | "sign-in" | "sign-ins" => {
                Some(Field::LastSignIn)
            }
            "active" | "inactive" | "activity" | "seen" | "dormant" | "idle" | "online" => {
                Some(Field::LastActive)
            }
            "created" | "creation" | "joined" | "signup" | "signups" | "sign-up" | "sign-ups"
            | "registered" | "registration" | "added" | "new" => Some(Field::Created),
            _ => None,
        }
    };
    let found = |i: usize| at(i).map(|f| (f, Some(i)));
    (0..start.min(w.len()))
        .rev()
        .find_map(found)
        .or_else(|| (start..w.len()).find_map(found))
        .unwrap_or((Field::Created, None))
}

/// Whether the words before a range deny activity in it.
fn negated(before: &[&str]) -> bool {
    before.iter().any(|w| {
        matches!(
            *w,
            "inactive"
                | "dormant"
                | "idle"
                | "not"
                | "never"
                | "haven't"
                | "hasn't"
                | "havent"
                | "hasnt"
                | "didn't"
                | "didnt"
                | "no"
                | "without"
                | "stopped"
                | "stale"
        )
    })
}

/// One matched expression: tokens `start..end`.
struct Hit {
    start: usize,
    end: usize,
    after: Option<i64>,
    before: Option<i64>,
    /// A span up to now ("last 30 days", "since March"): negation turns it into "before".
    relative: bool,
}

fn expression(w: &[&str], i: usize, now: i64) -> Option<Hit> {
    rolling(w, i, now)
        .or_else(|| ago(w, i, now))
        .or_else(|| calendar(w, i, now))
        .or_else(|| absolute(w, i, now))
}

/// "in the last 7 days", "past 24 hours", "within 2 weeks", "last 7d", "for 30 days".
fn rolling(w: &[&str], i: usize, now: i64) -> Option<Hit> {
    let mut j = i;
    let lead = matches!(w[j], "in" | "within" | "over" | "during" | "for" | "from");
    if lead {
        j += 1;
    }
    if w.get(j) == Some(&"the") {
        j += 1;
    }
    let recent = w
        .get(j)
        .is_some_and(|x| matches!(*x, "last" | "past" | "previous" | "prior" | "recent"));
    if recent {
        j += 1;
    } else if !(lead && matches!(w[i], "within" | "for" | "over")) {
        return None;
    }
    let (n, unit, end) = quantity(w, j).or_else(|| {
        // "last week", "past hour": one unit; "for" needs a number.
        let unit = unit(w.get(j)?)?;
        (recent && !matches!(w[i], "for")).then_some((1, unit, j + 1))
    })?;
    if w.get(end) == Some(&"ago") {
        return None; // "over a year ago" is an age
    }
    Some(Hit {
        start: i,
        end,
        after: Some(back(now, n, unit)),
        before: None,
        relative: true,
    })
}

/// "3 days ago", "since 2 weeks ago" (after), "more than 30 days ago",
/// "older than 90 days", "over a year ago" (before).
fn ago(w: &[&str], i: usize, now: i64) -> Option<Hit> {
    let (mut j, older) = match (w[i], w.get(i + 1).copied()) {
        ("older" | "more" | "longer", Some("than")) => (i + 2, true),
        ("over" | "before", _) => (i + 1, true),
        ("since" | "after" | "from", _) => (i + 1, false),
        _ => (i, false),
    };
    let (n, unit, end) = quantity(w, j)?;
    j = end;
    let said_ago = w.get(j) == Some(&"ago");
    if said_ago {
        j += 1;
    } else if !(older && (w[i] == "older" || w.get(j) == Some(&"old"))) {
        // Without "ago", only an age says it: "older than 30 days", "over 2 years old".
        return None;
    }
    if w.get(j) == Some(&"old") {
        j += 1;
    }
    let t = back(now, n, unit);
    Some(Hit {
        start: i,
        end: j,
        after: (!older).then_some(t),
        before: older.then_some(t),
        relative: !older,
    })
}

/// "today", "yesterday", "since yesterday", "this week", "this month", "this year".
fn calendar(w: &[&str], i: usize, now: i64) -> Option<Hit> {
    let since = matches!(w[i], "since" | "from" | "after");
    let j = i + usize::from(since);
    let today = now.div_euclid(DAY) * DAY;
    let (after, before, end) = match (w.get(j).copied()?, w.get(j + 1).copied()) {
        ("today", _) => (today, None, j + 1),
        ("yesterday", _) if since => (today - DAY, None, j + 1),
        ("yesterday", _) => (today - DAY, Some(today), j + 1),
        ("this", Some(u)) => {
            let start = match u {
                "week" => today - (now.div_euclid(DAY) + 3).rem_euclid(7) * DAY,
                "month" | "year" => {
                    let (y, m, ..) = civil::from_unix(now.div_euclid(1000));
                    let m = if u == "month" { m } else { 1 };
                    civil::days_from(y, m, 1) * DAY
                }
                _ => return None,
            };
            (start, None, j + 2)
        }
        _ => return None,
    };
    Some(Hit {
        start: i,
        end,
        after: Some(after),
        before,
        relative: true,
    })
}

/// "since 2025-01-01", "before March 2024", "between 2025-01-01 and
/// 2025-02-01", "from Jan 2025 to Mar 2025", "in March 2024", "on 2025-06-01".
fn absolute(w: &[&str], i: usize, now: i64) -> Option<Hit> {
    let hit = |end, after, before, relative| {
        Some(Hit {
            start: i,
            end,
            after,
            before,
            relative,
        })
    };
    match w[i] {
        "between" | "from" => {
            let (a, _, j) = date(w, i + 1, now)?;
            if !matches!(
                w.get(j).copied(),
                Some("and" | "to" | "until" | "till" | "through")
            ) {
                return None;
            }
            // The end is inclusive: "to March" and "and 2025-02-01" take in that whole span.
            let (_, b_end, k) = date(w, j + 1, now)?;
            hit(k, Some(a), Some(b_end), false)
        }
        "since" | "after" | "starting" => {
            // "since March" takes in March; "after March" starts when March ends.
            let (a, a_end, j) = date(w, i + 1, now)?;
            let start = if w[i] == "after" { a_end } else { a };
            hit(j, Some(start), None, true)
        }
        "before" | "until" | "till" | "prior" => {
            let k = i + 1 + usize::from(w[i] == "prior" && w.get(i + 1) == Some(&"to"));
            let (b, _, j) = date(w, k, now)?;
            hit(j, None, Some(b), false)
        }
        "in" | "during" | "on" => {
            let (a, b, j) = date(w, i + 1, now)?;
            hit(j, Some(a), Some(b), false)
        }
        _ => None,
    }
}

/// A date at `w[i]` as (start, end of its span, index after it): `2025-01-01`
/// (a day), `2025-01` or `March 2024` (a month), `March 5, 2024` or `5 March
/// 2024` (a day), `2024` (a year), `March` (its latest past occurrence).
fn date(w: &[&str], i: usize, now: i64) -> Option<(i64, i64, usize)> {
    let first = *w.get(i)?;
    if let Some((start, end)) = iso(first) {
        return Some((start, end, i + 1));
    }
    let day_num = |s: &str| {
        let s = s
            .trim_end_matches(',')
            .trim_end_matches(|c: char| c.is_ascii_alphabetic());
        s.parse::<i64>().ok().filter(|d| (1..=31).contains(d))
    };
    let year_num = |s: Option<&&str>| {
        s.and_then(|s| s.trim_end_matches(',').parse::<i64>().ok())
            .filter(|y| (1970..=2200).contains(y))
    };
    if let Some(m) = month(first) {
        let (day, j) = match w.get(i + 1).and_then(|s| day_num(s)) {
            Some(d) if year_num(w.get(i + 1)).is_none() => (Some(d), i + 2),
            _ => (None, i + 1),
        };
        let (y, j) = match year_num(w.get(j)) {
            Some(y) => (y, j + 1),
            None => {
                let (ny, nm, ..) = civil::from_unix(now.div_euclid(1000));
                (if m > nm { ny - 1 } else { ny }, j)
            }
        };
        return Some(span(y, m, day, j));
    }
    if let (Some(d), Some(m)) = (day_num(first), w.get(i + 1).and_then(|s| month(s))) {
        let y = year_num(w.get(i + 2))?;
        return Some(span(y, m, Some(d), i + 3));
    }
    let y = year_num(Some(&first))?;
    let start = civil::days_from(y, 1, 1) * DAY;
    Some((start, civil::days_from(y + 1, 1, 1) * DAY, i + 1))
}

fn span(y: i64, m: i64, day: Option<i64>, next: usize) -> (i64, i64, usize) {
    match day {
        Some(d) => {
            let start = civil::days_from(y, m, d) * DAY;
            (start, start + DAY, next)
        }
        None => (
            civil::days_from(y, m, 1) * DAY,
            civil::days_from(y + m / 12, m % 12 + 1, 1) * DAY,
            next,
        ),
    }
}

/// `2025-01-01`, `2025/01/01`, `2025-01`, `2025-01-01T10:00[:00][.sss][Z|±hh:mm]`:
/// (start, end of the span it names).
fn iso(s: &str) -> Option<(i64, i64)> {
    let (date, time) = match s.find(['t', 'T']) {
        Some(k) => (&s[..k], Some(&s[k + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    let num = |p: &str, len: usize| {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i64>().ok())
            .flatten()
    };
    let y = num(parts.first()?, 4).filter(|y| (1970..=2200).contains(y))?;
    let m = num(parts.get(1)?, 2).filter(|m| (1..=12).contains(m))?;
    let day = match parts.get(2) {
        Some(d) => Some(num(d, 2).filter(|d| (1..=31).contains(d))?),
        None if time.is_none() => None,
        None => return None,
    };
    if parts.len() > 3 {
        return None;
    }
    let (start, end, _) = span(y, m, day, 0);
    match time {
        None => Some((start, end)),
        Some(t) => {
            let at = start + clock_time(t)?;
            Some((at, at + SECOND))
        }
    }
}

/// `10:00`, `10:00:00`, `10:00:00.123Z`, `10:00+02:00` -> milliseconds after midnight UTC.
fn clock_time(t: &str) -> Option<i64> {
    let (t, offset) = if let Some(x) = t.strip_suffix(['z', 'Z']) {
        (x, 0)
    } else if let Some(k) = t.rfind(['+', '-']) {
        let (h, m) = t[k + 1..].split_once(':').unwrap_or((&t[k + 1..], "0"));
        let mins = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
        let sign = if t.as_bytes()[k] == b'+' { 1 } else { -1 };
        (&t[..k], sign * mins * MINUTE)
    } else {
        (t, 0)
    };
    let t = t.split('.').next()?;
    let f: Vec<i64> = t
        .split(':')
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = match f[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(h * HOUR + m * MINUTE + s * SECOND - offset)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Ms(i64),
    Months(i64),
}

fn unit(w: &str) -> Option<Unit> {
    Some(match w {
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Ms(SECOND),
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Ms(MINUTE),
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Ms(HOUR),
        "d" | "day" | "days" => Unit::Ms(DAY),
        "w" | "wk" | "wks" | "week" | "weeks" => Unit::Ms(7 * DAY),
        "fortnight" => Unit::Ms(14 * DAY),
        "mo" | "mos" | "month" | "months" => Unit::Months(1),
        "quarter" | "quarters" => Unit::Months(3),
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Months(12),
        _ => return None,
    })
}

/// `7 days`, `a week`, `seven days`, `24h`, `7d`: (count, unit, index after).
fn quantity(w: &[&str], i: usize) -> Option<(i64, Unit, usize)> {
    let first = *w.get(i)?;
    if let Some(k) = first.find(|c: char| !c.is_ascii_digit()).filter(|&k| k > 0) {
        let n = first[..k].parse().ok()?;
        return Some((n, unit(&first[k..])?, i + 1));
    }
    let n = first.parse::<i64>().ok().or_else(|| number_word(first))?;
    let u = unit(w.get(i + 1)?)?;
    (n > 0 && n < 100_000).then_some((n, u, i + 2))
}

fn number_word(w: &str) -> Option<i64> {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    if let Some(n) = WORDS.iter().position(|x| *x == w) {
        return i64::try_from(n).ok();
    }
    Some(match w {
        "a" | "an" => 1,
        "couple" => 2,
        "fifteen" => 15,
        "twenty" => 20,
        "thirty" => 30,
        "sixty" => 60,
        "ninety" => 90,
        _ => return None,
    })
}

/// `now` less `n` units; months are calendar months (the day clamped to the month's length).
fn back(now: i64, n: i64, unit: Unit) -> i64 {
    match unit {
        Unit::Ms(ms) => now - n.saturating_mul(ms),
        Unit::Months(k) => {
            let (y, m, d, ..) = civil::from_unix(now.div_euclid(1000));
            let total = y * 12 + (m - 1) - n.saturating_mul(k);
            let (y2, m2) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let len = civil::days_from(y2 + m2 / 12, m2 % 12 + 1, 1) - civil::days_from(y2, m2, 1);
            let day_start = civil::days_from(y2, m2, d.min(len)) * DAY;
            day_start + now.rem_euclid(DAY)
        }
    }
}

/// A token as a word: lower case, outer punctuation gone ("days," -> "days").
fn word(t: &Token) -> String {
    t.norm
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_string()
}

fn month(w: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = w.trim_end_matches(['.', ',']);
    // The name or its abbreviation: "mar", "sept".
    let i = NAMES
        .iter()
        .position(|n| w.len() >= 3 && n.starts_with(w))?;
    i64::try_from(i + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-01T12:00:00Z, a Tuesday.
    const NOW: i64 = 1_796_126_400_000;

    fn range(prompt: &str) -> Option<(Field, Option<i64>, Option<i64>)> {
        let lex = super::super::lexicon::get();
        let toks = super::super::entities::tokens(prompt, lex);
        find(&words(&toks), NOW).map(|r| (r.field, r.after, r.before))
    }

    fn at(s: &str) -> i64 {
        instant(s).unwrap()
    }

    #[test]
    fn now_is_what_the_tests_think() {
        assert_eq!(readable(NOW), "2026-12-01 12:00:00 UTC");
        assert_eq!(at("2026-12-01T12:00:00Z"), NOW);
        assert_eq!(at("2026-12-01T14:00:00+02:00"), NOW);
        assert_eq!(at("1796126400"), NOW);
        assert_eq!(at("1796126400000"), NOW);
    }

    #[test]
    fn relative_ranges_end_now() {
        let week = Some(NOW - 7 * DAY);
        for p in [
            "list users created in the last 7 days",
            "users from the past seven days",
            "signups within 7 days",
            "new users last 7d",
            "users created over the past week",
        ] {
            assert_eq!(range(p), Some((Field::Created, week, None)), "{p}");
        }
        assert_eq!(
            range("users who signed in in the past 24 hours"),
            Some((Field::LastSignIn, Some(NOW - DAY), None))
        );
        assert_eq!(
            range("users active in the last hour"),
            Some((Field::LastActive, Some(NOW - HOUR), None))
        );
        assert_eq!(
            range("users created in the last 3 months"),
            Some((Field::Created, Some(at("2026-09-01T12:00:00Z")), None))
        );
    }

    #[test]
    fn calendar_words_start_at_midnight_utc() {
        let today = at("2026-12-01");
        assert_eq!(
            range("users created today"),
            Some((Field::Created, Some(today), None))
        );
        assert_eq!(
            range("signups yesterday"),
            Some((Field::Created, Some(today - DAY), Some(today)))
        );
        assert_eq!(
            range("users since yesterday"),
            Some((Field::Created, Some(today - DAY), None))
        );
        assert_eq!(
            range("users created this week"),
            Some((Field::Created, Some(at("2026-11-30")), None))
        );
        assert_eq!(
            range("orgs created this month"),
            Some((Field::Created, Some(at("2026-12-01")), None))
        );
    }

    #[test]
    fn absolute_dates_and_spans() {
        assert_eq!(
            range("users created since 2025-01-01"),
            Some((Field::Created, Some(at("2025-01-01")), None))
        );
        assert_eq!(
            range("users created before March 2024"),
            Some((Field::Created, None, Some(at("2024-03-01"))))
        );
        assert_eq!(
            range("users created between 2025-01-01 and 2025-02-01"),
            Some((
                Field::Created,
                Some(at("2025-01-01")),
                Some(at("2025-02-02"))
            ))
        );
        assert_eq!(
            range("users who joined in March 2024"),
            Some((
                Field::Created,
                Some(at("2024-03-01")),
                Some(at("2024-04-01"))
            ))
        );
        assert_eq!(
            range("users created on March 5, 2024"),
            Some((
                Field::Created,
                Some(at("2024-03-05")),
                Some(at("2024-03-06"))
            ))
        );
        assert_eq!(
            range("users created in 2023"),
            Some((
                Field::Created,
                Some(at("2023-01-01")),
                Some(at("2024-01-01"))
            ))
        );
    }

    #[test]
    fn inactivity_and_age_are_before() {
        assert_eq!(
            range("users inactive for 90 days"),
            Some((Field::LastActive, None, Some(NOW - 90 * DAY)))
        );
        assert_eq!(
            range("users who haven't signed in in the last 30 days"),
            Some((Field::LastSignIn, None, Some(NOW - 30 * DAY)))
        );
        assert_eq!(
            range("users created more than 2 years ago"),
            Some((Field::Created, None, Some(at("2024-12-01T12:00:00Z"))))
        );
        assert_eq!(
            range("invitations older than 30 days"),
            Some((Field::Created, None, Some(NOW - 30 * DAY)))
        );
    }

    #[test]
    fn words_that_are_not_times() {
        for p in [
            "get the last user",
            "list 7 users",
            "may I list users",
            "ban user_2ab for spam",
            "delete the last session of user_2ab",
            "users with last_active_at",
            "get user created",
        ] {
            assert_eq!(range(p), None, "{p}");
        }
        let lex = super::super::lexicon::get();
        let sort =
            |p: &str| order(&words(&super::super::entities::tokens(p, lex))).map(Order::value);
        assert_eq!(sort("newest users").as_deref(), Some("-created_at"));
        assert_eq!(sort("oldest organizations").as_deref(), Some("+created_at"));
        assert_eq!(
            sort("most recently active users").as_deref(),
            Some("-last_active_at")
        );
        assert_eq!(sort("list users"), None);
    }
}
