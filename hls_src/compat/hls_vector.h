// HLS compatibility subset: hls::vector<T, N>, a fixed-size value array with element access and
// element-wise + and -. Used as the beat type of multi-lane streams.
#pragma once

#include <cstddef>

namespace hls {

template <typename T, size_t N>
class vector {
    static_assert(N > 0, "hls::vector needs at least one element");

  public:
    constexpr vector() = default;
    constexpr explicit vector(const T& v) {
        for (size_t i = 0; i < N; ++i) d_[i] = v;
    }
    constexpr T& operator[](size_t i) { return d_[i]; }
    constexpr const T& operator[](size_t i) const { return d_[i]; }
    static constexpr size_t size() { return N; }
    constexpr vector& operator+=(const vector& o) {
        for (size_t i = 0; i < N; ++i) d_[i] += o.d_[i];
        return *this;
    }
    constexpr vector& operator-=(const vector& o) {
        for (size_t i = 0; i < N; ++i) d_[i] -= o.d_[i];
        return *this;
    }
    friend constexpr vector operator+(vector a, const vector& b) { return a += b; }
    friend constexpr vector operator-(vector a, const vector& b) { return a -= b; }
    friend constexpr bool operator==(const vector& a, const vector& b) {
        for (size_t i = 0; i < N; ++i)
            if (!(a.d_[i] == b.d_[i])) return false;
        return true;
    }

  private:
    T d_[N] = {};
};

}  // namespace hls
