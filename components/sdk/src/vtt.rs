//! WebVTT transcripts as Zoom writes them: a `WEBVTT` header, then cues of
//! an optional id, a timing line `00:00:01.000 --> 00:00:04.500` and text
//! lines, the first of which starts with `Speaker Name: `.
//!
//! The parser is strict about what carries meaning (the header and the
//! timings: a malformed one is an error naming its line, never a silently
//! dropped cue) and lenient about the rest (`NOTE`, `STYLE` and `REGION`
//! blocks are skipped, cue settings after the end time are ignored, `<v>`
//! voice tags name the speaker too).

/// One cue of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cue {
    /// The cue identifier line, if any (Zoom numbers its cues).
    pub id: Option<String>,
    /// Start time as `HH:MM:SS.mmm`.
    pub start: String,
    /// End time as `HH:MM:SS.mmm`.
    pub end: String,
    /// Who speaks, from `Name: text` or `<v Name>text`.
    pub speaker: Option<String>,
    /// The cue's text, its lines joined by single spaces.
    pub text: String,
}

impl Cue {
    /// The cue as one line of a plain-text transcript: `Speaker: text`
    /// (the tests' shorthand; the runner writes turns, not cues).
    #[cfg(test)]
    fn line(&self) -> String {
        match &self.speaker {
            Some(speaker) => format!("{speaker}: {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// Seconds of a `HH:MM:SS.mmm` (or `MM:SS.mmm`) time.
pub(crate) fn seconds(time: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in time.split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(total)
}

/// What one speaker said without interruption: consecutive cues of the
/// same speaker, merged.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Turn {
    /// Who speaks.
    pub speaker: Option<String>,
    /// When the first of its cues starts.
    pub start: String,
    /// When the last of its cues ends.
    pub end: String,
    /// The cues' texts, joined by single spaces.
    pub text: String,
}

/// The cues as turns of speech.
pub(crate) fn turns(cues: &[Cue]) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    for cue in cues {
        match turns.last_mut() {
            Some(turn) if turn.speaker == cue.speaker => {
                turn.end = cue.end.clone();
                if !cue.text.is_empty() {
                    turn.text.push(' ');
                    turn.text.push_str(&cue.text);
                }
            }
            _ => turns.push(Turn {
                speaker: cue.speaker.clone(),
                start: cue.start.clone(),
                end: cue.end.clone(),
                text: cue.text.clone(),
            }),
        }
    }
    turns
}

/// Seconds each speaker talked (the sum of their cues), in the order they
/// first spoke.
pub(crate) fn talk_time(cues: &[Cue]) -> Vec<(Option<String>, f64)> {
    let mut speakers: Vec<(Option<String>, f64)> = Vec::new();
    for cue in cues {
        let length = match (seconds(&cue.start), seconds(&cue.end)) {
            (Some(start), Some(end)) if end > start => end - start,
            _ => 0.0,
        };
        match speakers.iter_mut().find(|(s, _)| *s == cue.speaker) {
            Some((_, total)) => *total += length,
            None => speakers.push((cue.speaker.clone(), length)),
        }
    }
    speakers
}

/// Parses a WebVTT document into its cues.
pub(crate) fn parse(document: &str) -> Result<Vec<Cue>, String> {
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    let lines: Vec<&str> = document.lines().map(|l| l.trim_end_matches('\r')).collect();
    let header = lines.first().copied().unwrap_or_default();
    let is_vtt =
        header == "WEBVTT" || header.starts_with("WEBVTT ") || header.starts_with("WEBVTT\t");
    if !is_vtt {
        let shown: String = header.chars().take(60).collect();
        return Err(format!(
            "not a WebVTT document: it starts with '{shown}' instead of 'WEBVTT'"
        ));
    }

    let mut cues = Vec::new();
    // Blocks are separated by blank lines; `first` is the 0-based line index.
    let mut index = 1;
    while index < lines.len() {
        if lines[index].trim().is_empty() {
            index += 1;
            continue;
        }
        let first = index;
        while index < lines.len() && !lines[index].trim().is_empty() {
            index += 1;
        }
        let block = &lines[first..index];
        if first == 1 && !block.iter().any(|l| l.contains("-->")) {
            // Header metadata lines directly below `WEBVTT`.
            continue;
        }
        if let Some(cue) = parse_block(block, first)? {
            cues.push(cue);
        }
    }
    Ok(cues)
}

/// Parses one block; `None` for blocks that are not cues.
fn parse_block(block: &[&str], first: usize) -> Result<Option<Cue>, String> {
    let kind = block[0].split_whitespace().next().unwrap_or_default();
    if matches!(kind, "NOTE" | "STYLE" | "REGION") && !block[0].contains("-->") {
        return Ok(None);
    }
    let (id, timing_at) = if block[0].contains("-->") {
        (None, 0)
    } else if block.len() > 1 && block[1].contains("-->") {
        (Some(block[0].trim().to_string()), 1)
    } else {
        return Err(format!(
            "line {}: expected a cue timing like '00:00:01.000 --> 00:00:04.500', got '{}'",
            first + 1,
            block[0]
        ));
    };
    let line_no = first + timing_at + 1;
    let timing = block[timing_at];
    let (start, rest) = timing.split_once("-->").unwrap_or_default();
    let end = rest.split_whitespace().next().unwrap_or_default();
    let bad = |what: &str, got: &str| {
        format!("line {line_no}: the cue {what} time '{got}' is not hh:mm:ss.ttt")
    };
    let start = timestamp(start.trim()).ok_or_else(|| bad("start", start.trim()))?;
    let end = timestamp(end).ok_or_else(|| bad("end", end))?;

    let mut speaker = None;
    let mut parts = Vec::new();
    for (n, raw) in block[timing_at + 1..].iter().enumerate() {
        let mut line = raw.trim().to_string();
        if let Some((voice, rest)) = voice_tag(&line) {
            speaker.get_or_insert(voice);
            line = rest;
        } else if n == 0
            && let Some((name, rest)) = speaker_prefix(&line)
        {
            speaker = Some(name);
            line = rest;
        }
        let line = unescape(&strip_tags(&line));
        if !line.is_empty() {
            parts.push(line);
        }
    }
    Ok(Some(Cue {
        id,
        start,
        end,
        speaker,
        text: parts.join(" "),
    }))
}

/// Normalises `hh:mm:ss.ttt` or `mm:ss.ttt` to `HH:MM:SS.mmm`.
fn timestamp(text: &str) -> Option<String> {
    let (clock, millis) = text.split_once('.')?;
    let fields: Vec<&str> = clock.split(':').collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if millis.len() != 3 || !digits(millis) || !fields.iter().all(|f| digits(f)) {
        return None;
    }
    let (hours, minutes, seconds) = match fields.as_slice() {
        [h, m, s] if h.len() >= 2 => (h.parse::<u64>().ok()?, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return None,
    };
    let two = |s: &str| s.len() == 2 && s.parse::<u32>().is_ok_and(|v| v < 60);
    (two(minutes) && two(seconds)).then(|| format!("{hours:02}:{minutes}:{seconds}.{millis}"))
}

/// `Speaker Name: text` → (`Speaker Name`, `text`). The name is the text
/// before the first `: `, without colons or markup, at most 100 characters.
fn speaker_prefix(line: &str) -> Option<(String, String)> {
    let (name, rest) = match line.split_once(": ") {
        Some(split) => split,
        None => (line.strip_suffix(':')?, ""),
    };
    let name = name.trim();
    let plausible = !name.is_empty()
        && name.chars().count() <= 100
        && !name.contains([':', '<', '>'])
        && !name.chars().all(|c| c.is_ascii_digit());
    plausible.then(|| (name.to_string(), rest.trim().to_string()))
}

/// `<v Name>text</v>` → (`Name`, `text`), also with classes (`<v.loud Name>`).
fn voice_tag(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("<v")?;
    if !rest.starts_with([' ', '.', '\t']) {
        return None;
    }
    let close = rest.find('>')?;
    let annotation = rest[..close].trim_start_matches(|c: char| c != ' ' && c != '\t');
    let name = annotation.trim();
    (!name.is_empty()).then(|| (name.to_string(), rest[close + 1..].to_string()))
}

/// Removes cue markup such as `<i>`, `</v>` or `<00:00:01.000>`.
fn strip_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_tag = false;
    for c in line.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Decodes the character references WebVTT text may carry.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(
        start: &str,
        end: &str,
        speaker: Option<&str>,
        text: &str,
    ) -> (String, String, Option<String>, String) {
        (
            start.into(),
            end.into(),
            speaker.map(Into::into),
            text.into(),
        )
    }

    fn simple(cues: &[Cue]) -> Vec<(String, String, Option<String>, String)> {
        cues.iter()
            .map(|c| {
                (
                    c.start.clone(),
                    c.end.clone(),
                    c.speaker.clone(),
                    c.text.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn zoom_transcript_cues_have_ids_timings_and_speakers() {
        let vtt = "WEBVTT\n\n1\n00:00:01.200 --> 00:00:05.300\nAda Lovelace: Hello everyone, thanks for joining.\n\n2\n00:00:06.000 --> 00:00:09.500\nAlan Turing: Hi Ada.\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(
            simple(&cues),
            [
                cue(
                    "00:00:01.200",
                    "00:00:05.300",
                    Some("Ada Lovelace"),
                    "Hello everyone, thanks for joining."
                ),
                cue(
                    "00:00:06.000",
                    "00:00:09.500",
                    Some("Alan Turing"),
                    "Hi Ada."
                ),
            ]
        );
        assert_eq!(cues[0].id.as_deref(), Some("1"));
        assert_eq!(cues[1].line(), "Alan Turing: Hi Ada.");
    }

    #[test]
    fn cue_ids_are_optional() {
        let cues =
            parse("WEBVTT\n\n00:00:01.000 --> 00:00:04.500\nGrace Hopper: A moth.\n").unwrap();
        assert_eq!(cues[0].id, None);
        assert_eq!(
            simple(&cues),
            [cue(
                "00:00:01.000",
                "00:00:04.500",
                Some("Grace Hopper"),
                "A moth."
            )]
        );
    }

    #[test]
    fn multi_line_cue_text_is_joined_and_keeps_the_first_lines_speaker() {
        let cues = parse("WEBVTT\n\n7\n00:01:00.000 --> 00:01:04.000\nAda Lovelace: First line,\nsecond line: with a colon.\n").unwrap();
        assert_eq!(cues[0].speaker.as_deref(), Some("Ada Lovelace"));
        assert_eq!(cues[0].text, "First line, second line: with a colon.");
    }

    #[test]
    fn text_without_a_speaker_has_none() {
        let cues = parse("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n[inaudible]\n\n00:00:03.000 --> 00:00:04.000\nsee http://example.com: later\n").unwrap();
        assert_eq!(cues[0].speaker, None);
        assert_eq!(cues[0].line(), "[inaudible]");
        assert_eq!(cues[1].speaker, None, "a URL before ': ' is not a speaker");
    }

    #[test]
    fn crlf_bom_notes_settings_and_short_timestamps_are_handled() {
        let vtt = "\u{feff}WEBVTT - Zoom\r\nKind: captions\r\n\r\nNOTE written by Zoom\r\nspanning lines\r\n\r\n01:02.500 --> 01:04.000 align:start position:10%\r\n<v Alan Turing>Noted &amp; logged.</v>\r\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(
            simple(&cues),
            [cue(
                "00:01:02.500",
                "00:01:04.000",
                Some("Alan Turing"),
                "Noted & logged."
            )]
        );
    }

    #[test]
    fn an_empty_transcript_has_no_cues() {
        assert_eq!(parse("WEBVTT\n").unwrap(), []);
        assert_eq!(parse("WEBVTT").unwrap(), []);
    }

    #[test]
    fn documents_that_are_not_webvtt_are_refused() {
        let err = parse("<html>Sign in</html>").unwrap_err();
        assert!(err.contains("not a WebVTT document"), "{err}");
        assert!(parse("").is_err());
    }

    #[test]
    fn malformed_timings_name_their_line() {
        let err = parse("WEBVTT\n\n1\n00:00:01 --> 00:00:02.000\nAda: hi\n").unwrap_err();
        assert!(
            err.starts_with("line 4:") && err.contains("start time '00:00:01'"),
            "{err}"
        );
        let err = parse("WEBVTT\n\n1\n00:00:01.000 --> 00:61:02.000\nAda: hi\n").unwrap_err();
        assert!(err.contains("end time"), "{err}");
        let err = parse("WEBVTT\n\njust text\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
    }
}
