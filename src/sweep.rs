//! Sweep: the paths a run is creating, so that an interrupt can remove them before the process
//! ends.
//!
//! In: paths registered while they are created (`track`), unregistered when finished or removed.
//! Out: [`Sweep::abandon`], for an interrupt handler that exits next: it removes every
//! registered path and blocks new creations for good. Creating a path and registering it happen
//! under a shared lock ([`Sweep::creating`]) that the sweep takes exclusively, so no path can
//! appear between the sweep and the end of the process. Used for temporary output files
//! (`output::text`) and spill folders (`spill`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

/// Paths being created, and the lock their creation holds.
pub struct Sweep {
    live: Mutex<Option<HashSet<PathBuf>>>,
    creating: RwLock<()>,
}

impl Sweep {
    pub const fn new() -> Sweep {
        Sweep {
            live: Mutex::new(None),
            creating: RwLock::new(()),
        }
    }

    /// Hold while creating and registering a path: the sweep waits for it.
    pub fn creating(&self) -> RwLockReadGuard<'_, ()> {
        // A poisoned lock still guards: a panicking creator cannot hide its path.
        self.creating.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Register `path` (`live`) or forget it (finished, renamed or removed by its owner).
    pub fn track(&self, path: &Path, live: bool) {
        let mut guard = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let set = guard.get_or_insert_with(HashSet::new);
        if live {
            set.insert(path.to_path_buf());
        } else {
            set.remove(path);
        }
    }

    /// Remove every registered path with `remove` and block new creations for good. Returns
    /// how many were removed.
    pub fn abandon(&self, remove: impl Fn(&Path) -> std::io::Result<()>) -> usize {
        // Waits for creators in the middle of creating, and keeps new ones from starting.
        let creating = self.creating.write().unwrap_or_else(|e| e.into_inner());
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let removed = live
            .take()
            .unwrap_or_default()
            .iter()
            .filter(|path| remove(path).is_ok())
            .count();
        // Both locks stay held until the process ends.
        std::mem::forget(live);
        std::mem::forget(creating);
        removed
    }
}

impl Default for Sweep {
    fn default() -> Sweep {
        Sweep::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abandon_removes_what_is_live_and_only_that() {
        let dir = tempfile::tempdir().unwrap();
        let sweep = Sweep::new();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for path in [&a, &b] {
            let _creating = sweep.creating();
            std::fs::write(path, b"x").unwrap();
            sweep.track(path, true);
        }
        sweep.track(&b, false);
        assert_eq!(sweep.abandon(|p| std::fs::remove_file(p)), 1);
        assert!(!a.exists());
        assert!(b.exists());
    }
}
