//! A render allocates nothing beyond the output buffer: counted with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use errcat::{Renderer, RequestInfo, StyleKind};

#[path = "../benches/common.rs"]
mod common;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn render_allocates_nothing_beyond_the_buffer() {
    let catalog = common::catalog();
    let err = common::error(&catalog);
    let req = RequestInfo::new(common::REQUEST_ID);
    for style in StyleKind::ALL {
        let renderer = Renderer::new(catalog.clone(), style);
        let mut buf = Vec::with_capacity(4096);
        // Warm up: the first clone of a header value may promote its storage once.
        renderer.render(&err, &req, &mut buf).unwrap();
        buf.clear();
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..100 {
            buf.clear();
            let head = renderer.render(&err, &req, &mut buf).unwrap();
            assert_eq!(head.status, 422);
            drop(head);
        }
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        assert_eq!(
            after - before,
            0,
            "{style}: {} allocations in 100 renders",
            after - before
        );
        assert!(serde_json::from_slice::<serde_json::Value>(&buf).is_ok());
    }
}
