//! A render allocates nothing beyond the output buffer: counted with a global allocator, on the
//! rendering thread only (the test harness's own threads allocate when they like, more so on a
//! busy machine).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use errcat::{Renderer, RequestInfo, StyleKind};

#[path = "../benches/common.rs"]
mod common;

struct Counting;

thread_local! {
    /// This thread's allocations. A const-initialised `Cell` needs no allocation to reach.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: a thread being torn down may still allocate.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
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
        let before = allocations();
        for _ in 0..100 {
            buf.clear();
            let head = renderer.render(&err, &req, &mut buf).unwrap();
            assert_eq!(head.status, 422);
            drop(head);
        }
        let after = allocations();
        assert_eq!(
            after - before,
            0,
            "{style}: {} allocations in 100 renders",
            after - before
        );
        assert!(serde_json::from_slice::<serde_json::Value>(&buf).is_ok());
    }
}

/// A plural message (CLDR category, `#` and a locale-formatted number) allocates nothing either.
#[test]
fn a_plural_message_allocates_nothing_beyond_the_buffer() {
    use std::sync::Arc;
    let catalog = Arc::new(
        errcat::Catalog::from_toml_str(
            "plural.toml",
            r#"
[catalog]
name = "plural"
action_required = false
locales = ["en", "ru"]

[codes.pages_failed]
status = 422
category = "Batches"
message.en = "{count, plural, one {# page failed} other {# pages failed}} of {total, number}; {attempt, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} try, {channel, select, sms {by SMS} other {by {channel}}}."
message.ru = "{count, plural, one {# страница} few {# страницы} many {# страниц} other {# страницы}} из {total, number}; попытка {attempt}, {channel, select, sms {по SMS} other {через {channel}}}."
context.count = "integer"
context.total = "number"
context.attempt = "integer"
context.channel = "string"
"#,
        )
        .unwrap(),
    );
    let err = errcat::ApiError::checked(&catalog, "pages_failed")
        .unwrap()
        .with("count", 5)
        .with("total", 1234567.5)
        .with("attempt", 23)
        .with("channel", "fax");
    for style in StyleKind::ALL {
        let renderer = Renderer::new(catalog.clone(), style);
        for tag in ["en", "ru"] {
            let req = RequestInfo::new(common::REQUEST_ID)
                .locale(renderer.negotiator().find(tag).unwrap());
            let mut buf = Vec::with_capacity(4096);
            renderer.render(&err, &req, &mut buf).unwrap();
            let before = allocations();
            for _ in 0..100 {
                buf.clear();
                let head = renderer.render(&err, &req, &mut buf).unwrap();
                assert_eq!(head.status, 422);
                drop(head);
            }
            let after = allocations();
            assert_eq!(
                after - before,
                0,
                "{style} {tag}: {} allocations in 100 renders",
                after - before
            );
            let body = String::from_utf8(buf).unwrap();
            let want = if tag == "en" {
                "5 pages failed of 1,234,567.5; 23rd try, by fax."
            } else {
                "5 страниц из 1\u{a0}234\u{a0}567,5; попытка 23, через fax."
            };
            assert!(body.contains(want), "{style} {tag}: {body}");
        }
    }
}
