//! Progress of long commands, on stderr at a terminal only: a bar for each
//! stage a bulk change reports (the library's `Progress`, drawn by
//! indicatif), a counter while `verify --batch` reads a file, and after
//! either a one-line total with the time it took. Piped (or `--quiet`, or
//! `TERM=dumb`) nothing of it is drawn or printed, so stdout and stderr
//! carry exactly what they did without it.

use std::cell::RefCell;
use std::fmt::Display;
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokctl::progress::{Progress, Stage};

use super::ui::Ui;

/// How often a counter of unknown length redraws by itself (its count
/// changes between redraws without drawing anything).
const COUNTER_TICK: Duration = Duration::from_millis(120);

/// The progress display of one long command.
#[derive(Debug)]
pub struct Meter {
    /// Whether anything is drawn at all: stderr is a terminal, no `--quiet`.
    shown: bool,
    /// Colour on stderr.
    color: bool,
    /// The bar of the stage under way; replaced when the next one starts.
    bar: RefCell<Option<ProgressBar>>,
    began: Instant,
}

impl Meter {
    /// A meter for a bulk change, drawing the stages the library reports
    /// when `ui` says progress is shown. The time of the total runs from here.
    pub fn new(ui: &Ui) -> Meter {
        Meter::shown_if(ui, ui.style().progress)
    }

    /// A meter drawing only if `ui` says progress is shown and `also`
    /// holds (what a command knows besides: `verify --batch` reads a file).
    pub fn shown_if(ui: &Ui, also: bool) -> Meter {
        let style = ui.style();
        Meter {
            shown: style.progress && also,
            color: style.stderr_color,
            bar: RefCell::new(None),
            began: Instant::now(),
        }
    }

    /// Whether this meter draws (and so prints its total).
    pub fn is_shown(&self) -> bool {
        self.shown
    }

    /// Starts a counter of unknown length: `label` and how many so far,
    /// redrawn a few times a second by indicatif's own thread, so counting
    /// ([`Meter::set_count`]) never draws.
    pub fn start_counter(&self, label: &'static str) {
        if !self.shown {
            return;
        }
        self.replace(self.new_bar(None, label));
        if let Some(bar) = &*self.bar.borrow() {
            bar.enable_steady_tick(COUNTER_TICK);
        }
    }

    /// Sets a counter's count.
    pub fn set_count(&self, count: u64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.set_position(count);
        }
    }

    /// The one-line total once the work is done, for a command that has
    /// none of its own: a note of `done` and how long it took ("revoked
    /// 10,000 tokens in 1.2s"). Only where the progress was shown: piped
    /// output stays as it was without a meter, and `--quiet` shows neither.
    pub fn total(&self, ui: &Ui, done: impl Display) {
        if self.shown {
            ui.note(format!("{done}{}", self.took()));
        }
    }

    /// How long the work took, for a command's own total line to end with
    /// (" in 1.2s"); empty where the progress was not shown, so that line
    /// stays as it was. Takes the bar off the terminal first.
    pub fn took(&self) -> String {
        self.clear();
        if self.shown {
            format!(" in {}", took(self.began.elapsed()))
        } else {
            String::new()
        }
    }

    fn new_bar(&self, total: Option<u64>, label: &'static str) -> ProgressBar {
        let template = match (total.is_some(), self.color) {
            (true, true) => "{msg:.bold} [{wide_bar:.cyan}] {human_pos}/{human_len} ({eta} left)",
            (true, false) => "{msg} [{wide_bar}] {human_pos}/{human_len} ({eta} left)",
            (false, true) => "{spinner:.cyan} {msg:.bold}: {human_pos} ({elapsed})",
            (false, false) => "{spinner} {msg}: {human_pos} ({elapsed})",
        };
        let style = match ProgressStyle::with_template(template) {
            Ok(style) => style,
            // The templates are fixed above and parse; should one not, the
            // default style still shows the count.
            Err(_) => ProgressStyle::default_bar(),
        };
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_style(style.progress_chars("=> "));
        // Setting the message draws the first frame.
        bar.set_message(label);
        bar
    }

    /// Makes `bar` the one drawn, clearing the one before.
    fn replace(&self, bar: ProgressBar) {
        if let Some(old) = self.bar.replace(Some(bar)) {
            old.finish_and_clear();
        }
    }

    /// Takes the bar off the terminal, if one is drawn.
    fn clear(&self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Meter {
    fn start(&self, stage: Stage, total: Option<u64>) {
        if self.shown {
            self.replace(self.new_bar(total, stage_label(stage)));
        }
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.inc(done);
        }
    }

    fn finish(&self) {
        self.clear();
    }
}

impl Drop for Meter {
    /// A command that fails mid-stage leaves no bar behind its error line.
    fn drop(&mut self) {
        self.clear();
    }
}

/// What the bar says a stage is doing.
fn stage_label(stage: Stage) -> &'static str {
    match stage {
        Stage::Revoking => "revoking",
        Stage::Pruning => "pruning",
        Stage::Clamping => "clamping expiries",
        Stage::Importing => "importing rows",
        Stage::Copying => "copying rows",
        Stage::KeyringCleanup => "removing keyring entries",
    }
}

/// "10,000 tokens", "1 token": a count with its noun.
pub fn counted(count: impl TryInto<u64>, one: &str, many: &str) -> String {
    let count = count.try_into().unwrap_or(u64::MAX);
    let noun = if count == 1 { one } else { many };
    format!("{} {noun}", HumanCount(count))
}

/// "0.3s", "42s", "3m 05s": how long the work took, as a total says it.
fn took(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds < 10 {
        format!("{:.1}s", elapsed.as_secs_f64())
    } else if seconds < 60 {
        format!("{seconds}s")
    } else {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_says_the_count_with_separators_and_the_time_briefly() {
        assert_eq!(counted(10_000, "token", "tokens"), "10,000 tokens");
        assert_eq!(counted(1, "token", "tokens"), "1 token");
        assert_eq!(counted(0, "row", "rows"), "0 rows");
        assert_eq!(took(Duration::from_millis(1_234)), "1.2s");
        assert_eq!(took(Duration::from_secs(42)), "42s");
        assert_eq!(took(Duration::from_secs(185)), "3m 05s");
    }
}
