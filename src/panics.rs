//! What happens when scalelint itself has a bug.
//!
//! Every file is read, parsed and extracted under `catch_unwind`, and every
//! rule runs under its own: a panic costs the findings of that file or that
//! rule only, is reported as an internal error naming the file or rule, and
//! makes the run exit with 2. The hook installed by [`install_hook`] prints
//! one line naming the file being read (instead of Rust's default message),
//! so even a panic outside those guards says where it happened.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

thread_local! {
    /// The file this thread is reading, for the panic hook's message.
    static CURRENT: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    /// How many [`guarded`] calls this thread is inside: their panics are
    /// reported by the guard, not by the hook.
    static GUARDS: Cell<u32> = const { Cell::new(0) };
    /// Where the last guarded panic happened, for the guard's message.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into `Err("<message> at <source location>")`.
pub fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    GUARDS.with(|g| g.set(g.get().saturating_add(1)));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDS.with(|g| g.set(g.get().saturating_sub(1)));
    r.map_err(|payload| {
        let at = LAST.with(|l| l.borrow_mut().take());
        let text = payload_text(payload.as_ref());
        match at {
            Some(at) => format!("{text} at {at}"),
            None => text,
        }
    })
}

/// Marks `path` as the file this thread works on until the guard drops.
pub fn reading(path: &Path) -> Reading {
    CURRENT.with(|c| *c.borrow_mut() = Some(path.to_path_buf()));
    Reading(())
}

/// Clears the thread's current file on drop.
pub struct Reading(());

impl Drop for Reading {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

/// The text of a panic's payload.
pub fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// Replaces Rust's default panic message with one line on standard error:
/// `scalelint: internal error in <file>: <message> (at <source location>)`.
/// Panics inside [`guarded`] print nothing here: the guard reports them.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        if GUARDS.with(Cell::get) > 0 {
            LAST.with(|l| *l.borrow_mut() = at);
            return;
        }
        let file = CURRENT.with(|c| c.borrow().clone());
        let place = file.map_or_else(String::new, |f| format!(" in {}", f.display()));
        let at = at.map_or_else(String::new, |at| format!(" (at {at})"));
        eprintln!(
            "scalelint: internal error{place}: {}{at}",
            payload_text(info.payload())
        );
    }));
}

/// A deliberate panic for the tests of these guards, in debug builds only:
/// `SCALELINT_INJECT_PANIC=file:<name>` panics while reading a file whose
/// name is `<name>`, `rule:<code>` while running that rule, `report` while
/// writing the report.
#[cfg(debug_assertions)]
pub fn inject(place: &str, what: &str) {
    let Ok(spec) = std::env::var("SCALELINT_INJECT_PANIC") else {
        return;
    };
    let hit = if what.is_empty() {
        spec == place
    } else {
        spec.strip_prefix(place).and_then(|s| s.strip_prefix(':')) == Some(what)
    };
    if hit {
        #[allow(clippy::panic)]
        {
            panic!("injected panic ({} {})", place, what);
        }
    }
}

/// Release builds never panic on purpose.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn inject(_place: &str, _what: &str) {}
