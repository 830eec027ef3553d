#pragma once
// The first `K` items of a stream in a fixed order (e.g. the slowest tenants), kept in a heap of
// at most K items: memory does not grow with the fleet (docs/PREFLIGHT.md, "The report").
#include <algorithm>
#include <cstddef>
#include <vector>

namespace pgfleet {

// `Before(a, b)`: a comes before b (a strict weak order). After any stream of add(), items()
// is what sorting the whole stream by Before and keeping the first K would give (for items no
// two of which are equivalent under Before).
template <typename T, typename Before>
class BoundedTop {
 public:
  explicit BoundedTop(std::size_t capacity, Before before = Before())
      : capacity_(capacity), before_(before) {}

  void add(T item) {
    if (capacity_ == 0) return;
    if (heap_.size() < capacity_) {
      heap_.push_back(std::move(item));
      std::push_heap(heap_.begin(), heap_.end(), before_);
      return;
    }
    // heap_.front() is the kept item that comes last: replaced when `item` comes before it.
    if (!before_(item, heap_.front())) return;
    std::pop_heap(heap_.begin(), heap_.end(), before_);
    heap_.back() = std::move(item);
    std::push_heap(heap_.begin(), heap_.end(), before_);
  }

  // The kept items in order, first first.
  std::vector<T> items() const {
    std::vector<T> out = heap_;
    std::sort(out.begin(), out.end(), before_);
    return out;
  }

  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  Before before_;
  std::vector<T> heap_;
};

}  // namespace pgfleet
