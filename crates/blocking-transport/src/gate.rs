//! A counting gate: at most N calls in flight, the rest wait.

use std::sync::{Condvar, Mutex};

pub struct Gate {
    max: usize,
    count: Mutex<usize>,
    freed: Condvar,
}

pub struct Permit<'a>(&'a Gate);

impl Gate {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            count: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free slot.
    pub fn enter(&self) -> Permit<'_> {
        let mut n = self
            .count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *n >= self.max {
            n = self
                .freed
                .wait(n)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *n += 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut n = self
            .0
            .count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *n -= 1;
        self.0.freed.notify_one();
    }
}
