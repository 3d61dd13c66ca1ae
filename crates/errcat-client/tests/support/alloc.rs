//! A global allocator that counts, on each thread, the bytes allocated, the bytes live and
//! their peak. Counted per thread: the test harness's own threads allocate when they like, more
//! so on a busy machine, and tests of one binary run in parallel.
//!
//! A test binary includes it with `#[path = "support/alloc.rs"] mod alloc;` and
//! `#[global_allocator] static GLOBAL: alloc::Counting = alloc::Counting;`.

// Not every binary looks at every count.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The counting allocator, over the system's.
pub struct Counting;

#[derive(Clone, Copy)]
struct Counts {
    allocated: usize,
    live: isize,
    peak: isize,
}

thread_local! {
    /// This thread's counts. A const-initialised `Cell` needs no allocation to reach.
    static COUNTS: Cell<Counts> = const { Cell::new(Counts { allocated: 0, live: 0, peak: 0 }) };
}

fn change(grown: usize, shrunk: usize) {
    // `try_with`: a thread being torn down may still allocate.
    let _ = COUNTS.try_with(|c| {
        let mut n = c.get();
        n.allocated = n.allocated.saturating_add(grown);
        n.live = n
            .live
            .saturating_add_unsigned(grown)
            .saturating_sub_unsigned(shrunk);
        n.peak = n.peak.max(n.live);
        c.set(n);
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        change(layout.size(), 0);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        change(layout.size(), 0);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        change(0, layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        change(new_size.saturating_sub(old), old.saturating_sub(new_size));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What this thread allocated since [`measure`].
pub struct Measure {
    allocated: usize,
    live: isize,
}

/// Starts measuring on this thread: the peak is reset to what is live now.
pub fn measure() -> Measure {
    COUNTS.with(|c| {
        let mut n = c.get();
        n.peak = n.live;
        c.set(n);
        Measure {
            allocated: n.allocated,
            live: n.live,
        }
    })
}

impl Measure {
    /// The bytes allocated since, freed or not (a reallocation counts what it grew by).
    pub fn allocated(&self) -> usize {
        COUNTS.with(|c| c.get().allocated - self.allocated)
    }

    /// The most bytes live at once since, beyond those live at the start.
    pub fn peak_growth(&self) -> usize {
        COUNTS.with(|c| usize::try_from(c.get().peak - self.live).unwrap_or(0))
    }
}
