// HLS compatibility subset: hls::stream<T> for C-simulation. A FIFO with a declared depth:
// full()/empty() follow the depth; reading an empty stream is an error (throws in C-sim, where the
// vendor tool would deadlock in hardware); writes beyond the depth are counted, not refused,
// because sequential C-sim of a dataflow region runs each process to completion.
#pragma once

#include <cstddef>
#include <deque>
#include <stdexcept>
#include <string>

namespace hls {

class stream_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

template <typename T, int DEPTH = 2>
class stream {
  public:
    stream() = default;
    explicit stream(const char* name) : name_(name) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;

    bool empty() const { return q_.empty(); }
    bool full() const { return q_.size() >= static_cast<size_t>(depth_); }
    size_t size() const { return q_.size(); }
    void write(const T& v) {
        q_.push_back(v);
        if (q_.size() > max_size_) max_size_ = q_.size();
    }
    T read() {
        if (q_.empty())
            throw stream_error("hls::stream '" + name_ + "': read from an empty stream");
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    void read(T& v) { v = read(); }
    bool read_nb(T& v) {
        if (q_.empty()) return false;
        v = read();
        return true;
    }
    bool write_nb(const T& v) {
        if (full()) return false;
        write(v);
        return true;
    }
    void operator<<(const T& v) { write(v); }
    void operator>>(T& v) { v = read(); }
    // C-sim diagnostics (not in the vendor API): declared depth and the high-water mark.
    int depth() const { return depth_; }
    void set_depth(int d) { depth_ = d; }
    size_t max_size() const { return max_size_; }
    const std::string& name() const { return name_; }

  private:
    std::deque<T> q_;
    std::string name_ = "stream";
    int depth_ = DEPTH;
    size_t max_size_ = 0;
};

}  // namespace hls
