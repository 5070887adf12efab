//! How `run --all` prints a list as its pages arrive: as one JSON object,
//! as NDJSON, or as a table ([`Format`]), with a progress line on a
//! terminal ([`Printer`]).

use super::table::{self, Table};
use super::{Output, output_error};
use serde_json::Value;
use std::io::Write;
use wrk_zoom::HostError;
use wrk_zoom::paginate::{ItemSink, PageSummary};

/// One way of printing the items of a list, then its end.
trait Format {
    fn item(&mut self, out: &mut dyn Write, item: Value) -> std::io::Result<()>;
    /// A page has ended.
    fn page_done(&mut self, _out: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
    /// The run ended with `summary` (the totals, or where to continue).
    fn finish(&mut self, out: &mut dyn Write, summary: &PageSummary) -> std::io::Result<()>;
    /// The run failed after printing began: close what was printed.
    fn failed(&mut self, _out: &mut dyn Write) {}
}

/// `{"<list key>": [items...], "total_records": N, "truncated": ...}`.
struct Json {
    list_key: String,
    /// Items printed so far (the object opens with the first).
    items: u64,
}

impl Json {
    fn open(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write!(out, "{{{}:[", Value::String(self.list_key.clone()))
    }
}

impl Format for Json {
    fn item(&mut self, out: &mut dyn Write, item: Value) -> std::io::Result<()> {
        let separator = if self.items == 0 {
            self.open(out)?;
            "\n  "
        } else {
            ",\n  "
        };
        self.items += 1;
        write!(out, "{separator}{item}")
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &PageSummary) -> std::io::Result<()> {
        if self.items == 0 {
            self.open(out)?;
        }
        let totals = Value::Object(summary.totals()).to_string();
        writeln!(out, "\n],{}", &totals[1..])
    }

    fn failed(&mut self, out: &mut dyn Write) {
        if self.items > 0 {
            let _ = writeln!(out);
        }
    }
}

/// One item per line; where to continue on stderr.
struct Ndjson;

impl Format for Ndjson {
    fn item(&mut self, out: &mut dyn Write, item: Value) -> std::io::Result<()> {
        writeln!(out, "{item}")
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &PageSummary) -> std::io::Result<()> {
        // The items first, then where to continue, in a file as on a terminal.
        out.flush()?;
        if summary.truncated {
            eprintln!("{}", continue_with(summary));
        }
        Ok(())
    }
}

/// A table whose columns are chosen from the first page and the item
/// schema.
struct Rows {
    /// The first page's items, until the columns are chosen.
    pending: Vec<Value>,
    table: Option<Table>,
    item_schema: Option<Value>,
}

impl Rows {
    fn choose_columns(&mut self, out: &mut dyn Write) -> std::io::Result<&Table> {
        if self.table.is_none() {
            let rows = std::mem::take(&mut self.pending);
            let chosen = Table::for_items(&rows, self.item_schema.as_ref());
            chosen.header(out)?;
            for row in &rows {
                chosen.row(out, row)?;
            }
            self.table = Some(chosen);
        }
        Ok(self.table.as_ref().expect("columns chosen"))
    }
}

impl Format for Rows {
    fn item(&mut self, out: &mut dyn Write, item: Value) -> std::io::Result<()> {
        match &self.table {
            Some(table) => table.row(out, &item),
            None => {
                self.pending.push(item);
                Ok(())
            }
        }
    }

    fn page_done(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        self.choose_columns(out).map(|_| ())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &PageSummary) -> std::io::Result<()> {
        self.choose_columns(out)?;
        out.flush()?;
        if summary.truncated {
            eprintln!("{}", continue_with(summary));
        } else {
            eprintln!("{} items", summary.items);
        }
        Ok(())
    }
}

/// "stopped after N items (--max); continue with [from= to=] next_page_token=..."
fn continue_with(summary: &PageSummary) -> String {
    let window = summary
        .window
        .as_ref()
        .map(|(from, to)| format!(" from={from} to={to}"))
        .unwrap_or_default();
    format!(
        "stopped after {} items (--max); continue with{window} next_page_token={}",
        summary.items,
        summary.next_page_token.as_deref().unwrap_or("")
    )
}

/// Prints the items of a `--all` run in a [`Format`] on stdout, keeping
/// the first write error (a closed pipe ends the run quietly).
pub struct Printer {
    format: Box<dyn Format>,
    out: std::io::BufWriter<anstream::AutoStream<std::io::StdoutLock<'static>>>,
    progress: Progress,
    failure: Option<std::io::Error>,
}

impl Printer {
    /// A printer of `output` for a list under `list_key` whose items are
    /// `item_schema`, when the action says.
    pub fn new(output: Output, list_key: &str, item_schema: Option<Value>) -> Printer {
        let format: Box<dyn Format> = match output {
            Output::Json => Box::new(Json {
                list_key: list_key.to_string(),
                items: 0,
            }),
            Output::Ndjson => Box::new(Ndjson),
            Output::Table => Box::new(Rows {
                pending: Vec::new(),
                table: None,
                item_schema,
            }),
        };
        Printer {
            format,
            out: std::io::BufWriter::new(table::stdout().lock()),
            progress: Progress::on_terminal(),
            failure: None,
        }
    }

    /// Keeps the first write error (for [`Printer::end`]) and stops the run.
    fn kept(&mut self, written: std::io::Result<()>) -> std::io::Result<()> {
        written.map_err(|e| {
            let kind = e.kind();
            self.failure.get_or_insert(e);
            std::io::Error::from(kind)
        })
    }

    /// Ends the output with the run's `outcome`.
    pub fn end(mut self, outcome: Result<PageSummary, HostError>) -> Result<(), HostError> {
        self.progress.finish();
        if let Some(e) = self.failure.take() {
            return output_error(e);
        }
        match outcome {
            Ok(summary) => {
                let written = self
                    .format
                    .finish(&mut self.out, &summary)
                    .and_then(|()| self.out.flush());
                written.or_else(output_error)
            }
            Err(e) => {
                // Close what was printed so far on its own line before the error.
                let _ = self.out.flush();
                self.format.failed(&mut self.out);
                let _ = self.out.flush();
                Err(e)
            }
        }
    }
}

impl ItemSink for Printer {
    fn item(&mut self, item: Value) -> std::io::Result<()> {
        let written = self.format.item(&mut self.out, item);
        self.kept(written)
    }

    async fn page_done(&mut self, running: &PageSummary) -> std::io::Result<()> {
        self.progress.update(running.items, running.pages);
        let written = self.format.page_done(&mut self.out);
        self.kept(written)
    }
}

/// `--all` progress on stderr (items, pages, items per second) with
/// `indicatif`, only when stderr is a terminal, so piped or redirected runs
/// print nothing extra.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn on_terminal() -> Progress {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr_with_hz(5),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{pos} items, {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Progress(Some(bar))
    }

    fn update(&self, items: u64, pages: u64) {
        if let Some(bar) = &self.0 {
            let rate = items as f64 / bar.elapsed().as_secs_f64().max(0.001);
            bar.set_position(items);
            bar.set_message(format!("{pages} pages, {rate:.0} items/s"));
        }
    }

    /// Leaves the final totals on screen.
    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.abandon();
        }
    }
}
