//! Limits on the work one rule may do on one file, so that no input can hang or abort a scan:
//! a deadline that the walks of the matcher, the detectors and the taint tracker check as they go
//! ([`checkpoint`]), stack growth for their deep recursive walks ([`deep`]), and the boundary
//! that turns a timeout or a panic into a value ([`bounded`]). See docs/reliability.md.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

/// Default for `--timeout-per-file`: what one rule may spend on one file.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Stack that per-file worker threads start with; deep walks grow it further on the heap.
pub const WORKER_STACK: usize = 64 * 1024 * 1024;

/// A recursive walk grows the stack when less than this is left …
const RED_ZONE: usize = 256 * 1024;
/// … by a new segment of this size.
const STACK_SEGMENT: usize = 8 * 1024 * 1024;
/// The clock is read once per this many checkpoints.
const CHECK_EVERY: u32 = 512;

/// The unwinding payload that stops work whose deadline has passed.
struct TimedOut;

thread_local! {
    /// The current work's deadline on the thread's CPU clock, once fixed.
    static DEADLINE: Cell<Option<Duration>> = const { Cell::new(None) };
    /// A budget whose deadline is not fixed yet: it starts at the next read of the clock.
    static PENDING: Cell<Option<Duration>> = const { Cell::new(None) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
}

/// Why bounded work did not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The deadline passed.
    TimedOut,
    /// The work panicked, with this message.
    Panicked(String),
}

/// Run `work` with a deadline `budget` from now (none when `None`), catching timeouts and panics.
/// Deadlines nest: inner work never gets more time than the work around it.
///
/// The budget starts at the first read of the clock within the work (after at most
/// [`CHECK_EVERY`] checkpoints): most bounded work is short and ends before, and a thread's CPU
/// clock is a system call, too costly to read for every node a rule is asked about.
pub fn bounded<T>(budget: Option<Duration>, work: impl FnOnce() -> T) -> Result<T, Stopped> {
    if PENDING.get().is_some() {
        // The work around starts now, before this one.
        past_deadline();
    }
    let outer = DEADLINE.get();
    PENDING.set(budget);
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    DEADLINE.set(outer);
    PENDING.set(None);
    result.map_err(|payload| stopped(payload.as_ref()))
}

/// Re-raise what [`bounded`] caught, for work that shares its caller's budget (a file's model,
/// built once for several rules, stops each of them the same way).
pub fn resume(stopped: &Stopped) -> ! {
    match stopped {
        Stopped::TimedOut => panic::resume_unwind(Box::new(TimedOut)),
        Stopped::Panicked(message) => panic::resume_unwind(Box::new(message.clone())),
    }
}

fn stopped(payload: &(dyn Any + Send)) -> Stopped {
    if payload.is::<TimedOut>() {
        Stopped::TimedOut
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        Stopped::Panicked((*message).to_string())
    } else if let Some(message) = payload.downcast_ref::<String>() {
        Stopped::Panicked(message.clone())
    } else {
        Stopped::Panicked("unknown panic".into())
    }
}

/// Stop the current work if its deadline has passed. Cheap: the clock is read now and then.
#[inline]
pub fn checkpoint() {
    if tick() {
        check_clock();
    }
}

/// Stop the current work now if its deadline has passed (after work that could not check it as
/// it went, such as a tree-sitter query stopped by [`expired`]).
#[cold]
pub fn check_clock() {
    if past_deadline() {
        // `resume_unwind` skips the panic hook: a timeout is not an internal error.
        panic::resume_unwind(Box::new(TimedOut));
    }
}

/// Whether the current work's deadline has passed, for tree-sitter's progress callbacks, which
/// come often: like [`checkpoint`], it reads the clock now and then (a thread's CPU clock is a
/// system call), and answers `false` in between.
pub fn expired() -> bool {
    tick() && past_deadline()
}

/// Count one step; whether it is one at which the clock is read.
#[inline]
fn tick() -> bool {
    let ticks = TICKS.get().wrapping_add(1);
    TICKS.set(ticks);
    ticks.is_multiple_of(CHECK_EVERY)
}

/// Whether the current work's deadline has passed, by the clock (which fixes a pending one).
fn past_deadline() -> bool {
    let pending = PENDING.take();
    if pending.is_none() && DEADLINE.get().is_none() {
        return false;
    }
    let now = clock();
    if let Some(budget) = pending {
        let starting = now.saturating_add(budget);
        DEADLINE.set(Some(
            DEADLINE.get().map_or(starting, |outer| outer.min(starting)),
        ));
    }
    DEADLINE.get().is_some_and(|deadline| now >= deadline)
}

/// The CPU time the current thread has used: a budget counts the work done, not the time spent
/// waiting for a core, so a busy machine does not stop a rule that an idle one lets finish (and
/// the findings do not depend on the load).
#[cfg(unix)]
fn clock() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is supported on every unix
    // tollgate builds for.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Elsewhere, time since the first read on this thread (wall time).
#[cfg(not(unix))]
fn clock() -> Duration {
    thread_local! {
        static START: std::time::Instant = std::time::Instant::now();
    }
    START.with(|start| start.elapsed())
}

/// One level of a recursive walk over a syntax tree: grows the stack on the heap when it runs
/// low, so that no nesting depth overflows it, and checks the deadline.
#[inline]
pub fn deep<T>(walk: impl FnOnce() -> T) -> T {
    checkpoint();
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, walk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runaway_loop_stops_at_its_deadline() {
        let result = bounded(Some(Duration::from_millis(20)), || loop {
            checkpoint();
        });
        assert_eq!(result, Err::<(), _>(Stopped::TimedOut));
        // The deadline is gone afterwards.
        assert_eq!(
            bounded(None, || (0..10_000).for_each(|_| checkpoint())),
            Ok(())
        );
    }

    #[test]
    fn panics_become_values() {
        let result = bounded(None, || -> u8 {
            std::panic::resume_unwind(Box::new("boom"))
        });
        assert_eq!(result, Err(Stopped::Panicked("boom".into())));
    }

    #[test]
    fn inner_work_keeps_the_outer_deadline() {
        let outer = bounded(Some(Duration::from_millis(20)), || {
            bounded(Some(Duration::from_secs(3600)), || loop {
                checkpoint();
            })
        });
        assert_eq!(outer, Ok(Err(Stopped::TimedOut)));
    }

    #[test]
    fn deep_recursion_does_not_overflow_the_stack() {
        fn depth(n: u32) -> u32 {
            deep(|| if n == 0 { 0 } else { 1 + depth(n - 1) })
        }
        let deep_thread = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| depth(200_000))
            .unwrap();
        assert_eq!(deep_thread.join().unwrap(), 200_000);
    }
}
