//! The text of a suppression, whatever comment syntax carries it:
//!
//! ```text
//! scalelint-ignore: SL101, upstream-single-server -- until 2027-03-31: reason
//! scalelint-ignore: SL1 until=2027-03-31 -- reason
//! scalelint-ignore-file: all
//! ```
//!
//! Rules are separated by commas or spaces; `--` starts the reason, which may
//! open with `until YYYY-MM-DD` (or `until=YYYY-MM-DD`) and a colon. A `#`
//! standing between spaces starts another comment (`# expect: …` in
//! fixtures), so the directive ends there. Rules are resolved later, against
//! the registry; this module only reads the syntax.

use std::ops::Range;

use super::date::Date;

pub const KEYWORD: &str = "scalelint-ignore";
pub const FILE_KEYWORD: &str = "scalelint-ignore-file";

/// A piece of the comment's text, by byte range within it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub range: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// `scalelint-ignore-file`: the whole file.
    pub file_wide: bool,
    /// From the keyword to the end of the directive.
    pub range: Range<usize>,
    /// Rule ids, names, prefixes or `all`, as written.
    pub rules: Vec<Piece>,
    pub until: Option<(Date, Range<usize>)>,
    pub reason: Option<String>,
}

/// Why a directive cannot be read; it then suppresses nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub range: Range<usize>,
    pub message: String,
    pub help: String,
}

/// Reads a comment's text (after `#`, or between `<!--` and `-->`). `None`
/// when the comment is not a scalelint directive at all.
pub fn parse(body: &str) -> Option<Result<Directive, Problem>> {
    let lead = body.len() - body.trim_start().len();
    let rest = body.get(lead..)?;
    if !rest.starts_with(KEYWORD) {
        return None;
    }
    let end = directive_end(body, lead);
    let text = body.get(..end).unwrap_or(body);
    Some(parse_directive(text, lead))
}

/// Where the directive stops: at a ` # ` that opens another comment, or at
/// the end of the text.
fn directive_end(body: &str, from: usize) -> usize {
    let b = body.as_bytes();
    let mut i = from;
    while let Some(&c) = b.get(i) {
        let before = i.checked_sub(1).and_then(|j| b.get(j));
        let after = b.get(i + 1);
        if c == b'#'
            && before.is_some_and(|c| c.is_ascii_whitespace())
            && after.is_none_or(|c| c.is_ascii_whitespace())
        {
            return i;
        }
        i += 1;
    }
    body.len()
}

fn parse_directive(text: &str, start: usize) -> Result<Directive, Problem> {
    let after_kw = |kw: &str| text.get(start + kw.len()..).unwrap_or("");
    let (file_wide, kw_len) = if after_kw(FILE_KEYWORD)
        .chars()
        .next()
        .is_none_or(|c| !is_word(c))
        && text
            .get(start..)
            .is_some_and(|t| t.starts_with(FILE_KEYWORD))
    {
        (true, FILE_KEYWORD.len())
    } else {
        (false, KEYWORD.len())
    };
    let kw_end = start + kw_len;
    let rest = text.get(kw_end..).unwrap_or("");
    let word_len = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
    if word_len > 0 {
        let whole = text.get(start..kw_end + word_len).unwrap_or("");
        return Err(Problem {
            range: start..kw_end + word_len,
            message: format!("`{whole}` is not a scalelint directive"),
            help: "write `scalelint-ignore: <rules>` for this line or the block below, or `scalelint-ignore-file: <rules>` for the whole file".into(),
        });
    }
    let colon = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let keyword = text.get(start..kw_end).unwrap_or(KEYWORD);
    if !rest.get(colon..).is_some_and(|r| r.starts_with(':')) {
        return Err(Problem {
            range: start..kw_end,
            message: format!("`{keyword}` without a colon and the rules it applies to"),
            help: format!(
                "name the rules: `{keyword}: SL101` (ids, names, prefixes such as `SL1`, or `all`)"
            ),
        });
    }
    let list_start = kw_end + colon + 1;
    let tail = text.get(list_start..).unwrap_or("");
    let (list, reason_at) = match tail.find("--") {
        Some(i) => (tail.get(..i).unwrap_or(""), Some(list_start + i + 2)),
        None => (tail, None),
    };
    let mut rules = Vec::new();
    let mut until = None;
    for (offset, word) in words(list) {
        let at = list_start + offset;
        let range = at..at + word.len();
        if let Some(date) = word.strip_prefix("until=") {
            until = Some(date_at(date, at + "until=".len())?);
        } else if word.chars().all(is_word) {
            rules.push(Piece {
                text: word.to_string(),
                range,
            });
        } else {
            return Err(Problem {
                range,
                message: format!("`{word}` is not a rule id, name or prefix"),
                help: "separate rules with commas and put the reason after `--`: `scalelint-ignore: SL101, SL104 -- reason`".into(),
            });
        }
    }
    let mut reason = None;
    if let Some(at) = reason_at {
        let raw = text.get(at..).unwrap_or("");
        let lead = raw.len() - raw.trim_start().len();
        let mut body = raw.trim_start();
        let body_at = at + lead;
        if let Some(after) = body
            .strip_prefix("until")
            .filter(|a| a.starts_with([' ', '\t', '=']))
        {
            let date_lead = after.len() - after.trim_start_matches([' ', '\t', '=']).len();
            let date_text = after.get(date_lead..).unwrap_or("");
            let date_len = date_text
                .find(|c: char| c.is_whitespace() || c == ':')
                .unwrap_or(date_text.len());
            let date_start = body_at + "until".len() + date_lead;
            if until.is_some() {
                return Err(Problem {
                    range: date_start..date_start + date_len,
                    message: "two expiry dates in one suppression".into(),
                    help: "keep one `until` date".into(),
                });
            }
            until = Some(date_at(
                date_text.get(..date_len).unwrap_or(""),
                date_start,
            )?);
            let after_date = date_text.get(date_len..).unwrap_or("");
            let skipped = after_date.len() - after_date.trim_start_matches([' ', '\t', ':']).len();
            body = after_date.get(skipped..).unwrap_or("");
        }
        let r = body.trim();
        if !r.is_empty() {
            reason = Some(r.to_string());
        }
    }
    if rules.is_empty() {
        return Err(Problem {
            range: start..list_start,
            message: format!("`{keyword}:` names no rule"),
            help: format!(
                "name the rules it is for (`{keyword}: SL101`), or `all` to mean every rule"
            ),
        });
    }
    Ok(Directive {
        file_wide,
        range: start..text.trim_end().len().max(list_start),
        rules,
        until,
        reason,
    })
}

fn date_at(text: &str, at: usize) -> Result<(Date, Range<usize>), Problem> {
    let range = at..at + text.len();
    match Date::parse(text) {
        Ok(d) => Ok((d, range)),
        Err(e) => Err(Problem {
            range: if text.is_empty() { at..at } else { range },
            message: format!("invalid expiry date: {e}"),
            help: "write the last day the suppression applies as YYYY-MM-DD, for example `-- until 2027-03-31: reason`".into(),
        }),
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Words separated by commas and whitespace, with their byte offsets.
fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split([',', ' ', '\t', '\r', '\n'])
        .scan(0usize, |offset, w| {
            let at = *offset;
            *offset += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Directive {
        parse(s).unwrap().unwrap()
    }

    fn err(s: &str) -> Problem {
        parse(s).unwrap().unwrap_err()
    }

    fn names(d: &Directive) -> Vec<&str> {
        d.rules.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn not_a_directive() {
        assert_eq!(parse(" just a comment"), None);
        assert_eq!(parse(" see scalelint-ignore in the docs"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn rules_reason_and_ranges() {
        let s = " scalelint-ignore: SL101,upstream-single-server -- reason here";
        let d = ok(s);
        assert!(!d.file_wide);
        assert_eq!(names(&d), ["SL101", "upstream-single-server"]);
        assert_eq!(&s[d.rules[1].range.clone()], "upstream-single-server");
        assert_eq!(d.reason.as_deref(), Some("reason here"));
        assert_eq!(d.until, None);
        assert_eq!(&s[d.range.clone()], s.trim());
        let d = ok("scalelint-ignore : SL1  SL9, all");
        assert_eq!(names(&d), ["SL1", "SL9", "all"]);
        assert_eq!(d.reason, None);
        let d = ok(" scalelint-ignore-file: SL101");
        assert!(d.file_wide);
    }

    #[test]
    fn expiry_in_both_forms() {
        let s = " scalelint-ignore: SL101 -- until 2027-03-31: waiting for the v2 chart";
        let d = ok(s);
        let (date, range) = d.until.clone().unwrap();
        assert_eq!(date.to_string(), "2027-03-31");
        assert_eq!(&s[range], "2027-03-31");
        assert_eq!(d.reason.as_deref(), Some("waiting for the v2 chart"));
        let s = " scalelint-ignore: SL101 until=2027-03-31 -- reason";
        let d = ok(s);
        assert_eq!(names(&d), ["SL101"]);
        assert_eq!(&s[d.until.unwrap().1], "2027-03-31");
        let d = ok(" scalelint-ignore: SL101 -- until=2027-03-31 reason");
        assert_eq!(d.reason.as_deref(), Some("reason"));
        // `until` inside a reason is just a word.
        let d = ok(" scalelint-ignore: SL101 -- kept until the migration");
        assert_eq!(d.until, None);
        assert_eq!(d.reason.as_deref(), Some("kept until the migration"));
    }

    #[test]
    fn ends_at_another_comment() {
        let s = " scalelint-ignore: SL777  # expect: SL903";
        let d = ok(s);
        assert_eq!(names(&d), ["SL777"]);
        let d = ok(" scalelint-ignore: SL101 -- see #123 for why");
        assert_eq!(d.reason.as_deref(), Some("see #123 for why"));
    }

    #[test]
    fn garbage_is_a_problem_with_a_location() {
        let s = " scalelint-ignore SL101";
        let p = err(s);
        assert_eq!(&s[p.range.clone()], "scalelint-ignore");
        assert!(p.message.contains("without a colon"), "{}", p.message);
        let s = " scalelint-ignore-next-line: SL101";
        let p = err(s);
        assert_eq!(&s[p.range.clone()], "scalelint-ignore-next-line");
        let p = err(" scalelint-ignore:");
        assert_eq!(p.message, "`scalelint-ignore:` names no rule");
        let p = err(" scalelint-ignore-file: -- reason");
        assert_eq!(p.message, "`scalelint-ignore-file:` names no rule");
        let s = " scalelint-ignore: SL101; SL104";
        let p = err(s);
        assert_eq!(&s[p.range.clone()], "SL101;");
        let s = " scalelint-ignore: SL101 -- until 2027-02-30: reason";
        let p = err(s);
        assert_eq!(&s[p.range.clone()], "2027-02-30");
        assert_eq!(
            p.message,
            "invalid expiry date: 2027-02-30 does not exist: month 2 has no day 30"
        );
        let p = err(" scalelint-ignore: SL101 until=tomorrow");
        assert!(
            p.message.contains("`tomorrow` is not a date"),
            "{}",
            p.message
        );
        let p = err(" scalelint-ignore: SL101 until=2027-01-01 -- until 2027-02-01: x");
        assert_eq!(p.message, "two expiry dates in one suppression");
    }
}
