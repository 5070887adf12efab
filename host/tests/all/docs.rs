//! The examples of the README and the book, run as they are shown: every
//! ```` ```console ```` block, command by command, with what each prints
//! compared to what the page says it prints. The rules (written for
//! authors in CONTRIBUTING.md, "Examples in the docs"):
//! - `$ ` starts a command (a line ending in ` \` goes on); the lines up to
//!   the next command are what it prints, stdout and stderr together;
//! - in those lines `[..]` stands for any text within the line, and a line
//!   `...` for any number of lines; a last line `[exit: N]` says the command
//!   fails with exit code N (otherwise it must succeed);
//! - a page's commands run in order in one bash, in an empty directory with
//!   a home of its own and this build's `wrk-zoom` first on `PATH`
//!   (`NO_COLOR=1`, `WRK_ZOOM_LOG=error`); a
//!   command ending in `&` runs in the background (it must send its output
//!   to a file) and is stopped when the page ends;
//! - blocks fenced `sh` are shown, not run (a real Zoom account, a
//!   database); one that runs `wrk-zoom ... --sandbox` must be `console`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// One command of a page and what the page says it prints.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn repo() -> PathBuf {
    let manifest =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    PathBuf::from(manifest).join("..")
}

/// README.md and every page of the book, in order.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut pages = vec![repo().join("README.md")];
    walk(&repo().join("docs/src"), &mut pages);
    pages
}

/// The `console` blocks of `text`, each a list of examples; or what is
/// wrong with a block.
fn parse(text: &str) -> Result<Vec<Example>, String> {
    let mut examples = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let info = info.trim().to_string();
        let mut block = Vec::new();
        for (m, line) in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                break;
            }
            block.push((m + 1, line));
        }
        match info.as_str() {
            "console" => examples.extend(parse_console(n + 1, &block)?),
            "sh" | "bash" | "shell" => {
                for (m, line) in &block {
                    let command = line.trim_start();
                    if command.starts_with("wrk-zoom ") && command.contains("--sandbox") {
                        return Err(format!(
                            "line {m}: a sandbox command in a `{info}` block is never run; fence the block as `console`"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(examples)
}

fn parse_console(start: usize, block: &[(usize, &str)]) -> Result<Vec<Example>, String> {
    let mut examples: Vec<Example> = Vec::new();
    let mut continued = false;
    for (n, line) in block {
        if continued {
            let example = examples.last_mut().unwrap();
            example.command.push('\n');
            example.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            examples.push(Example {
                line: *n,
                command: command.to_string(),
                expected: Vec::new(),
            });
            continued = command.ends_with('\\');
        } else if let Some(example) = examples.last_mut() {
            example.expected.push(line.trim_end().to_string());
        } else if !line.trim().is_empty() {
            return Err(format!(
                "line {n}: the console block of line {start} must start with a command (`$ `)"
            ));
        }
    }
    for example in &mut examples {
        while example.expected.last().is_some_and(|l| l.is_empty()) {
            example.expected.pop();
        }
        if example.command.trim_end().ends_with('&') && !example.expected.is_empty() {
            return Err(format!(
                "line {}: a command in the background shows no output (send it to a file)",
                example.line
            ));
        }
    }
    Ok(examples)
}

/// Whether `line` matches `pattern`, in which `[..]` is any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` matches `expected`, in which a line `...` is any lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

/// A bash in a process group of its own, fed one command at a time.
struct Shell {
    child: Child,
    input: std::process::ChildStdin,
    done: mpsc::Receiver<String>,
    control: tempfile::TempDir,
}

impl Shell {
    fn start(work: &Path, home: &Path) -> Shell {
        use std::os::unix::process::CommandExt;
        let bin = Path::new(env!("CARGO_BIN_EXE_wrk-zoom")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new("bash")
            .args(["--noprofile", "--norc"])
            .current_dir(work)
            .env_clear()
            .env("PATH", path)
            .env("HOME", work)
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            // A warning about this machine's compiled-code cache is not
            // part of any example.
            .env("WRK_ZOOM_LOG", "error")
            .env("TERM", "dumb")
            .env("WRK_ZOOM_HOME", home)
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start bash");
        let input = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, done) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if let Some(code) = line.strip_prefix("__example_done ")
                    && sender.send(code.to_string()).is_err()
                {
                    return;
                }
            }
        });
        Shell {
            child,
            input,
            done,
            control: crate::temp_dir("wrk-zoom-docs-control-"),
        }
    }

    /// Runs `command` in the shell (its variables and directory stay for
    /// the next); its exit code and what it printed.
    fn run(&mut self, command: &str) -> Result<(i32, String), String> {
        let (script, out) = (
            self.control.path().join("command.sh"),
            self.control.path().join("output"),
        );
        std::fs::write(&script, format!("{command}\n")).unwrap();
        writeln!(
            self.input,
            "{{ . '{}'; }} > '{}' 2>&1 < /dev/null; echo \"__example_done $?\"",
            script.display(),
            out.display()
        )
        .map_err(|e| format!("the shell ended: {e}"))?;
        let code = self
            .done
            .recv_timeout(COMMAND_TIMEOUT)
            .map_err(|_| format!("no end within {} s", COMMAND_TIMEOUT.as_secs()))?;
        let printed = std::fs::read_to_string(&out).unwrap_or_default();
        Ok((code.trim().parse().unwrap_or(-1), printed))
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        // The shell and what it left in the background.
        let group = format!("-{}", self.child.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.child.wait();
    }
}

/// Runs one page's examples; what went wrong with each, if anything.
fn run_page(page: &Path, examples: &[Example]) -> Vec<String> {
    let work = crate::temp_dir("wrk-zoom-docs-");
    let home = crate::temp_dir("wrk-zoom-docs-home-");
    let mut shell = Shell::start(work.path(), home.path());
    let name = page
        .strip_prefix(repo())
        .unwrap_or(page)
        .display()
        .to_string();
    let mut failures = Vec::new();
    for example in examples {
        let mut expected = example.expected.clone();
        let want_code = match expected.last().and_then(|l| {
            l.strip_prefix("[exit: ")
                .and_then(|c| c.strip_suffix(']'))
                .map(str::to_string)
        }) {
            Some(code) => {
                expected.pop();
                code.parse().unwrap_or(-1)
            }
            None => 0,
        };
        let what = format!("{name}:{}: `{}`", example.line, example.command);
        match shell.run(&example.command) {
            Err(e) => {
                failures.push(format!("{what}: {e}"));
                // The shell is stuck; the page's later commands depend on it.
                break;
            }
            Ok((code, printed)) => {
                let actual: Vec<&str> = printed.lines().map(str::trim_end).collect();
                let mut actual = actual.as_slice();
                while actual.last().is_some_and(|l| l.is_empty()) {
                    actual = &actual[..actual.len() - 1];
                }
                if code != want_code || !lines_match(&expected, actual) {
                    failures.push(format!(
                        "{what} exited {code} (the page says {want_code}) and printed:\n{}\n--- the page says:\n{}",
                        actual.join("\n"),
                        expected.join("\n")
                    ));
                }
            }
        }
    }
    failures
}

#[test]
fn the_matcher_takes_wildcards_within_lines_and_across_lines() {
    assert!(line_matches("id [..] at [..]", "id 42 at 10:00"));
    assert!(!line_matches("id [..] at", "id 42 on"));
    assert!(line_matches("[..]", ""));
    let expected: Vec<String> = ["{", "...", "}"].map(String::from).to_vec();
    assert!(lines_match(
        &expected,
        &["{", "  \"a\": 1,", "  \"b\": 2", "}"]
    ));
    assert!(lines_match(&expected, &["{", "}"]));
    assert!(!lines_match(&expected, &["{", "  \"a\": 1"]));
}

#[test]
fn every_console_example_of_the_readme_and_the_book_runs_as_shown() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        match parse(&text) {
            Err(e) => failures.push(format!("{}: {e}", page.display())),
            Ok(examples) if examples.is_empty() => {}
            Ok(examples) => {
                ran += examples.len();
                failures.extend(run_page(&page, &examples));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} documented commands do not do what their page shows:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran > 0, "no console example was found");
}
