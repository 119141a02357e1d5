//! A per-request arena: the guest's allocator while a `validate` call runs.
//!
//! A request builds many small short-lived values (the payload's JSON
//! objects, strings, lookup answers) and drops them all when it ends. In the
//! module those allocations and frees went through dlmalloc, one by one.
//! Inside [`RequestArena::scope`] an allocation is a pointer bump in a chunk
//! the arena owns and a free costs a range check; the next scope rewinds the
//! chunks. Outside a scope, and for memory the arena does not own, every call
//! goes to the system allocator unchanged.
//!
//! ```text
//!   begin scope: rewind           alloc: bump the cursor
//!   ┌──────────────┬──────────────┬──────────────┐
//!   │ chunk 0 used │ chunk 1 used │ chunk 2 free │  chunks double in size;
//!   └──────────────┴──────────────┴──────────────┘  at most RETAIN bytes are
//!                                ^cursor            kept from one scope to the next
//! ```
//!
//! Guarantees:
//! - Memory the arena hands out stays valid until the next scope begins, so a
//!   `validate` handler may return arena-backed bytes: waPC copies them out
//!   (`__guest_response`) before `__guest_call` returns.
//! - A pointer the arena does not own (allocated outside a scope, or by the
//!   fallback below) is freed and reallocated by the system allocator, in or
//!   out of a scope.
//! - When the arena cannot take an allocation (out of chunk slots, or the
//!   system cannot give it a chunk) it falls back to the system allocator for
//!   that block, so the arena never turns a satisfiable allocation into an
//!   out-of-memory abort.
//! - [`RequestArena::reclaims_all`] is true only inside a scope none of whose
//!   blocks has fallen back so far: then whatever the scope has built goes
//!   with the next rewind, and may be forgotten instead of dropped. After a
//!   fallback it is false for the rest of the scope, so the caller drops
//!   (and the system allocator gets its blocks back).
//!
//! Contract for callers: nothing allocated inside a scope may be kept past the
//! start of the next one (no caches in statics). The policy keeps none.
//!
//! The module is single-threaded (wasm32 without threads); the arena relies on
//! that and is only installed as the global allocator there.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Size of the first chunk; each further chunk doubles.
const FIRST_CHUNK: usize = 64 * 1024;
/// Largest chunk the doubling reaches (a bigger block gets a chunk of its own size).
const MAX_CHUNK: usize = 64 * 1024 * 1024;
/// Chunk slots: 11 doubling chunks reach MAX_CHUNK; 32 slots hold about 1.4 GiB.
const MAX_CHUNKS: usize = 32;
/// Bytes of chunks kept from one scope to the next; larger ones go back to the system.
const RETAIN: usize = 4 * 1024 * 1024;
/// Chunks are allocated with this alignment (any larger one is bumped to).
const CHUNK_ALIGN: usize = 16;

#[derive(Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
}

struct State {
    active: bool,
    /// A block of this scope came from the system allocator.
    fell_back: bool,
    chunks: [Chunk; MAX_CHUNKS],
    /// Chunks owned (`chunks[..len]`).
    len: usize,
    /// The chunk being bumped.
    current: usize,
    /// Next free address in `chunks[current]`.
    cursor: usize,
    /// Start of the newest block in `chunks[current]` (0 if none): the one
    /// block that can grow or be given back in place.
    last: usize,
}

/// See the module docs.
pub struct RequestArena {
    state: UnsafeCell<State>,
}

// SAFETY: the arena is installed as the global allocator only on wasm32
// without threads, where no two calls can overlap; tests use their own
// instances from one thread each.
unsafe impl Sync for RequestArena {}

impl Default for RequestArena {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestArena {
    pub const fn new() -> Self {
        RequestArena {
            state: UnsafeCell::new(State {
                active: false,
                fell_back: false,
                chunks: [Chunk { start: 0, end: 0 }; MAX_CHUNKS],
                len: 0,
                current: 0,
                cursor: 0,
                last: 0,
            }),
        }
    }

    /// Runs `f` with allocations served by the arena, after rewinding it.
    ///
    /// A scope inside a scope does not rewind (that would free its parent's
    /// memory); it just runs `f`.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        if !self.enter() {
            return f();
        }
        let result = f();
        self.leave();
        result
    }

    /// Rewinds and starts serving allocations; false (and nothing done) when
    /// a scope is already open.
    fn enter(&self) -> bool {
        // SAFETY: single-threaded (see `Sync`); no reference into the state
        // outlives this block.
        unsafe {
            let s = &mut *self.state.get();
            if s.active {
                return false;
            }
            s.rewind();
            s.active = true;
        }
        true
    }

    /// Stops serving allocations; what was handed out stays valid.
    fn leave(&self) {
        // SAFETY: as in `enter`.
        unsafe { (*self.state.get()).active = false };
    }

    /// True inside a scope in which every block so far came from the
    /// chunks: all of the scope's memory goes back at the next rewind.
    pub fn reclaims_all(&self) -> bool {
        // SAFETY: as in `scope`.
        let s = unsafe { &*self.state.get() };
        s.active && !s.fell_back
    }

    /// Bytes of chunks the arena holds (for tests and diagnostics).
    pub fn held_bytes(&self) -> usize {
        // SAFETY: as in `scope`.
        let s = unsafe { &*self.state.get() };
        s.chunks[..s.len].iter().map(|c| c.end - c.start).sum()
    }

    /// True when `ptr` lies in a chunk of this arena.
    pub fn owns(&self, ptr: *const u8) -> bool {
        // SAFETY: as in `scope`.
        unsafe { (*self.state.get()).owns(ptr as usize) }
    }
}

impl State {
    fn owns(&self, addr: usize) -> bool {
        self.chunks[..self.len]
            .iter()
            .any(|c| c.start <= addr && addr < c.end)
    }

    /// Back to the first chunk; chunks beyond the first RETAIN bytes return
    /// to the system.
    unsafe fn rewind(&mut self) {
        let mut kept = 0;
        let mut keep = 0;
        for c in &self.chunks[..self.len] {
            let size = c.end - c.start;
            if keep > 0 && kept + size > RETAIN {
                break;
            }
            kept += size;
            keep += 1;
        }
        for c in &self.chunks[keep..self.len] {
            let layout = Layout::from_size_align_unchecked(c.end - c.start, CHUNK_ALIGN);
            System.dealloc(c.start as *mut u8, layout);
        }
        self.len = keep;
        self.current = 0;
        self.cursor = if keep > 0 { self.chunks[0].start } else { 0 };
        self.last = 0;
        self.fell_back = false;
    }

    /// A block from the chunks, or null when the arena cannot take it.
    unsafe fn bump(&mut self, layout: Layout) -> *mut u8 {
        loop {
            if self.current < self.len {
                let chunk = self.chunks[self.current];
                if let Some(start) = align_up(self.cursor, layout.align()) {
                    if let Some(end) = start.checked_add(layout.size()) {
                        if end <= chunk.end {
                            self.cursor = end;
                            self.last = start;
                            return start as *mut u8;
                        }
                    }
                }
                if self.current + 1 < self.len {
                    self.current += 1;
                    self.cursor = self.chunks[self.current].start;
                    self.last = 0;
                    continue;
                }
            }
            if !self.add_chunk(layout) {
                return std::ptr::null_mut();
            }
        }
    }

    /// A new chunk big enough for `layout`, made current. False when out of
    /// slots or when the system has no memory for it.
    unsafe fn add_chunk(&mut self, layout: Layout) -> bool {
        if self.len == MAX_CHUNKS {
            return false;
        }
        let doubled = FIRST_CHUNK
            .checked_shl(self.len as u32)
            .unwrap_or(MAX_CHUNK)
            .min(MAX_CHUNK);
        let Some(needed) = layout.size().checked_add(layout.align()) else {
            return false;
        };
        let size = doubled.max(needed);
        let Ok(chunk_layout) = Layout::from_size_align(size, CHUNK_ALIGN) else {
            return false;
        };
        let ptr = System.alloc(chunk_layout);
        if ptr.is_null() {
            return false;
        }
        let start = ptr as usize;
        self.chunks[self.len] = Chunk {
            start,
            end: start + size,
        };
        self.len += 1;
        self.current = self.len - 1;
        self.cursor = start;
        self.last = 0;
        true
    }
}

fn align_up(addr: usize, align: usize) -> Option<usize> {
    Some(addr.checked_add(align - 1)? & !(align - 1))
}

// SAFETY: every block handed out is `layout.size()` bytes at `layout.align()`
// inside a chunk no other block overlaps (the cursor only moves forward within
// a scope; a block is reused in place only when it is the newest, for its own
// owner), or comes from `System`; pointers are freed by whoever handed them out.
unsafe impl GlobalAlloc for RequestArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.state.get();
        if s.active {
            let ptr = s.bump(layout);
            if !ptr.is_null() {
                return ptr;
            }
            s.fell_back = true;
        }
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let s = &mut *self.state.get();
        let addr = ptr as usize;
        if s.owns(addr) {
            // Only the newest block can be given back (a Vec's scratch, say).
            if s.active && addr == s.last && s.last != 0 {
                s.cursor = addr;
                s.last = 0;
            }
            return;
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let s = &mut *self.state.get();
        let addr = ptr as usize;
        if !s.owns(addr) {
            return System.realloc(ptr, layout, new_size);
        }
        if s.active && addr == s.last && s.last != 0 {
            if let Some(end) = addr.checked_add(new_size) {
                if end <= s.chunks[s.current].end {
                    s.cursor = end;
                    return ptr;
                }
            }
        }
        if new_size <= layout.size() {
            return ptr;
        }
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size());
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn outside_a_scope_everything_goes_to_the_system() {
        let arena = RequestArena::new();
        unsafe {
            let p = arena.alloc(layout(32, 8));
            assert!(!p.is_null());
            assert!(!arena.owns(p));
            arena.dealloc(p, layout(32, 8));
        }
        assert_eq!(arena.held_bytes(), 0);
    }

    #[test]
    fn blocks_in_a_scope_are_bumped_aligned_and_disjoint() {
        let arena = RequestArena::new();
        let blocks = arena.scope(|| unsafe {
            let mut blocks = Vec::new();
            for (size, align) in [(1, 1), (24, 8), (3, 2), (100, 64), (7, 1), (16, 16)] {
                let p = arena.alloc(layout(size, align));
                assert!(arena.owns(p));
                assert_eq!(p as usize % align, 0, "alignment {align}");
                std::ptr::write_bytes(p, 0xAB, size);
                blocks.push((p as usize, size));
            }
            blocks
        });
        for (i, a) in blocks.iter().enumerate() {
            for b in &blocks[i + 1..] {
                assert!(a.0 + a.1 <= b.0 || b.0 + b.1 <= a.0, "{a:?} overlaps {b:?}");
            }
        }
        assert_eq!(arena.held_bytes(), FIRST_CHUNK);
    }

    #[test]
    fn the_next_scope_reuses_the_chunk_from_its_start() {
        let arena = RequestArena::new();
        let first = arena.scope(|| unsafe { arena.alloc(layout(64, 8)) as usize });
        let second = arena.scope(|| unsafe { arena.alloc(layout(64, 8)) as usize });
        assert_eq!(first, second);
        assert_eq!(arena.held_bytes(), FIRST_CHUNK);
    }

    #[test]
    fn memory_stays_valid_after_the_scope_until_the_next_begins() {
        let arena = RequestArena::new();
        let p = arena.scope(|| unsafe {
            let p = arena.alloc(layout(4, 1));
            std::ptr::copy_nonoverlapping(b"done".as_ptr(), p, 4);
            p
        });
        // outside: a system allocation does not land on the arena's block
        unsafe {
            let q = arena.alloc(layout(4, 1));
            assert!(!arena.owns(q));
            std::ptr::write_bytes(q, 0, 4);
            assert_eq!(std::slice::from_raw_parts(p, 4), b"done");
            arena.dealloc(q, layout(4, 1));
            arena.dealloc(p, layout(4, 1)); // owned: a no-op
        }
    }

    #[test]
    fn the_newest_block_grows_and_is_given_back_in_place() {
        let arena = RequestArena::new();
        arena.scope(|| unsafe {
            let p = arena.alloc(layout(8, 8));
            std::ptr::write_bytes(p, 7, 8);
            let grown = arena.realloc(p, layout(8, 8), 800);
            assert_eq!(grown, p);
            assert_eq!(*grown.add(7), 7);
            arena.dealloc(grown, layout(800, 8));
            assert_eq!(arena.alloc(layout(8, 8)), p, "the freed newest block is reused");
        });
    }

    #[test]
    fn an_older_block_moves_when_it_grows_and_keeps_its_bytes() {
        let arena = RequestArena::new();
        arena.scope(|| unsafe {
            let a = arena.alloc(layout(16, 8));
            std::ptr::copy_nonoverlapping(b"0123456789abcdef".as_ptr(), a, 16);
            let b = arena.alloc(layout(16, 8));
            let moved = arena.realloc(a, layout(16, 8), 64);
            assert_ne!(moved, a);
            assert!(moved as usize >= b as usize + 16);
            assert_eq!(std::slice::from_raw_parts(moved, 16), b"0123456789abcdef");
            // shrinking never moves
            assert_eq!(arena.realloc(moved, layout(64, 8), 8), moved);
        });
    }

    #[test]
    fn a_system_block_stays_with_the_system_inside_a_scope() {
        let arena = RequestArena::new();
        let outside = unsafe { arena.alloc(layout(16, 8)) };
        arena.scope(|| unsafe {
            let grown = arena.realloc(outside, layout(16, 8), 4096);
            assert!(!grown.is_null());
            assert!(
                !arena.owns(grown),
                "a static's buffer must not move into the arena"
            );
            arena.dealloc(grown, layout(4096, 8));
        });
    }

    #[test]
    fn chunks_double_big_blocks_get_their_own_and_rewinding_returns_the_excess() {
        let arena = RequestArena::new();
        arena.scope(|| unsafe {
            for _ in 0..40 {
                let p = arena.alloc(layout(16 * 1024, 8));
                assert!(arena.owns(p));
            }
            let big = arena.alloc(layout(40 * 1024 * 1024, 16));
            assert!(arena.owns(big));
            std::ptr::write_bytes(big, 1, 40 * 1024 * 1024);
        });
        assert!(arena.held_bytes() > 40 * 1024 * 1024);
        arena.scope(|| ());
        assert!(arena.held_bytes() <= RETAIN, "{}", arena.held_bytes());
        assert!(arena.held_bytes() >= FIRST_CHUNK);
    }

    #[test]
    fn an_impossible_layout_falls_back_to_the_system_answer() {
        let arena = RequestArena::new();
        arena.scope(|| unsafe {
            // larger than any chunk can be: the system allocator says no too
            let huge = layout(isize::MAX as usize - 64, 16);
            assert!(arena.alloc(huge).is_null());
            // and the arena still works afterwards
            assert!(arena.owns(arena.alloc(layout(8, 8))));
        });
    }

    #[test]
    fn reclaims_all_until_a_block_falls_back_to_the_system() {
        let arena = RequestArena::new();
        assert!(!arena.reclaims_all(), "outside a scope");
        arena.scope(|| unsafe {
            assert!(arena.reclaims_all());
            // fill every chunk slot (address space only: nothing is written)
            let big = layout(MAX_CHUNK, 16);
            for _ in 0..MAX_CHUNKS {
                assert!(arena.owns(arena.alloc(big)));
            }
            assert!(arena.reclaims_all());
            let fallback = arena.alloc(layout(64, 8));
            assert!(!fallback.is_null() && !arena.owns(fallback));
            assert!(!arena.reclaims_all(), "after a fallback");
            arena.dealloc(fallback, layout(64, 8));
            assert!(!arena.reclaims_all(), "for the rest of the scope");
        });
        assert!(!arena.reclaims_all(), "outside a scope");
        arena.scope(|| assert!(arena.reclaims_all(), "the next scope starts afresh"));
    }

    #[test]
    fn a_nested_scope_does_not_rewind_its_parent() {
        let arena = RequestArena::new();
        arena.scope(|| unsafe {
            let a = arena.alloc(layout(8, 8));
            let b = arena.scope(|| arena.alloc(layout(8, 8)));
            assert_ne!(a, b);
        });
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc {
            size: usize,
            align_log2: u32,
        },
        Realloc {
            pick: usize,
            size: usize,
        },
        Free {
            pick: usize,
        },
        /// End the open scope (if any) and begin the next one.
        NextScope,
        /// End the open scope; allocations go to the system until the next.
        Leave,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            6 => (1usize..3000, 0u32..7).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
            3 => (any::<usize>(), 1usize..6000).prop_map(|(pick, size)| Op::Realloc { pick, size }),
            3 => any::<usize>().prop_map(|pick| Op::Free { pick }),
            1 => Just(Op::NextScope),
            1 => Just(Op::Leave),
        ]
    }

    /// A live block of the model: where, its layout, the byte it is filled with.
    struct Block {
        ptr: *mut u8,
        layout: Layout,
        fill: u8,
        /// handed out by the arena (dies when the next scope begins)
        arena: bool,
    }

    proptest::proptest! {
        /// Random allocations, reallocations, frees and scope changes, as
        /// any mix of collections would make them: every live block keeps
        /// its bytes, its alignment, and its own memory; arena blocks die
        /// (and only they) when the next scope begins.
        #[test]
        fn blocks_keep_their_bytes_through_any_sequence(ops in proptest::collection::vec(op(), 1..120)) {
            let arena = RequestArena::new();
            let mut live: Vec<Block> = Vec::new();
            let mut fill = 0u8;
            let mut next_fill = || { fill = fill.wrapping_add(1).max(1); fill };
            let mut open = false;
            // a block of the open scope came from the system (reclaims_all's model)
            let mut fell = false;
            for op in ops {
                unsafe {
                    match op {
                        Op::Alloc { size, align_log2 } => {
                            let layout = layout(size, 1 << align_log2);
                            let ptr = arena.alloc(layout);
                            proptest::prop_assert!(!ptr.is_null());
                            proptest::prop_assert_eq!(ptr as usize % layout.align(), 0);
                            let f = next_fill();
                            std::ptr::write_bytes(ptr, f, size);
                            live.push(Block { ptr, layout, fill: f, arena: arena.owns(ptr) });
                            proptest::prop_assert!(open || !arena.owns(ptr), "outside a scope the system allocates");
                            fell |= open && !arena.owns(ptr);
                        }
                        Op::Realloc { pick, size } if !live.is_empty() => {
                            let b = live.swap_remove(pick % live.len());
                            let ptr = arena.realloc(b.ptr, b.layout, size);
                            fell |= open && b.arena && !arena.owns(ptr);
                            proptest::prop_assert!(!ptr.is_null());
                            proptest::prop_assert_eq!(ptr as usize % b.layout.align(), 0);
                            let kept = b.layout.size().min(size);
                            let bytes = std::slice::from_raw_parts(ptr, kept);
                            proptest::prop_assert!(bytes.iter().all(|&c| c == b.fill), "realloc lost bytes");
                            let f = next_fill();
                            std::ptr::write_bytes(ptr, f, size);
                            let layout = layout(size, b.layout.align());
                            live.push(Block { ptr, layout, fill: f, arena: arena.owns(ptr) });
                        }
                        Op::Free { pick } if !live.is_empty() => {
                            let b = live.swap_remove(pick % live.len());
                            arena.dealloc(b.ptr, b.layout);
                        }
                        Op::NextScope => {
                            arena.leave();
                            live.retain(|b| !b.arena);
                            proptest::prop_assert!(arena.enter());
                            open = true;
                            fell = false;
                        }
                        Op::Leave => {
                            arena.leave();
                            open = false;
                        }
                        _ => {}
                    }
                }
                proptest::prop_assert_eq!(arena.reclaims_all(), open && !fell);
                // every live block intact and disjoint from the others
                let mut spans: Vec<(usize, usize)> = Vec::new();
                for b in &live {
                    let bytes = unsafe { std::slice::from_raw_parts(b.ptr, b.layout.size()) };
                    proptest::prop_assert!(bytes.iter().all(|&c| c == b.fill), "a block was overwritten");
                    spans.push((b.ptr as usize, b.ptr as usize + b.layout.size()));
                }
                spans.sort_unstable();
                proptest::prop_assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "blocks overlap");
            }
            arena.leave();
            for b in live {
                unsafe { arena.dealloc(b.ptr, b.layout) };
            }
        }
    }
}
