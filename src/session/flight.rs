//! Single flight: one refresh at a time, every concurrent caller waiting on
//! its outcome. Plain futures and wakers: no executor, no I/O.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::error::{Error, Result};
use crate::oauth::TokenSet;

/// A refresh under way: its outcome once known, and who waits for it.
#[derive(Default)]
pub(crate) struct Flight {
    result: RefCell<Option<Result<TokenSet>>>,
    wakers: RefCell<Vec<Waker>>,
}

impl Flight {
    /// Records the outcome and wakes every waiter.
    pub(crate) fn land(&self, r: Result<TokenSet>) {
        *self.result.borrow_mut() = Some(r);
        for w in self.wakers.borrow_mut().drain(..) {
            w.wake();
        }
    }

    pub(crate) fn landed(&self) -> bool {
        self.result.borrow().is_some()
    }
}

/// Waits for a flight's outcome.
pub(crate) struct FlightWait(pub(crate) Rc<Flight>);

impl Future for FlightWait {
    type Output = Result<TokenSet>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(r) = self.0.result.borrow().as_ref() {
            return Poll::Ready(r.clone());
        }
        self.0.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Held by the caller that runs the refresh: whatever happens to its future
/// (finished or dropped half-way), the slot is freed and the waiters get an
/// outcome, so none waits forever.
pub(crate) struct Pilot<'a> {
    pub(crate) slot: &'a RefCell<Option<Rc<Flight>>>,
    pub(crate) flight: Rc<Flight>,
}

impl Pilot<'_> {
    pub(crate) fn land(self, r: Result<TokenSet>) {
        self.slot.borrow_mut().take();
        self.flight.land(r);
    }
}

impl Drop for Pilot<'_> {
    fn drop(&mut self) {
        if !self.flight.landed() {
            self.slot.borrow_mut().take();
            self.flight.land(Err(Error::network("the refresh was abandoned before it finished")));
        }
    }
}
