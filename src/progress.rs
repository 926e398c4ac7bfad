//! A progress bar on stderr for scans that take more than a moment.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears; quicker scans never show it.
const DELAY: Duration = Duration::from_millis(200);

/// Counts finished files. Draws only when stderr is an interactive terminal (not a pipe, a file,
/// a dumb terminal or a CI log), and only once the scan has run for [`DELAY`].
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// A counter for `total` files of a scan that began at `started`; `wanted: false` draws nothing.
    pub(crate) fn start(total: usize, wanted: bool, started: Instant) -> Progress {
        let bar = (wanted && interactive_stderr()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template(
                "{spinner} scanning [{bar:30}] {pos}/{len} files, {elapsed}",
            )
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            started,
            shown: AtomicBool::new(false),
        }
    }

    /// One more file is done; shows the bar once the scan has taken long enough.
    pub(crate) fn inc(&self) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Remove the bar, so the report starts on a clean line.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn interactive_stderr() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}
