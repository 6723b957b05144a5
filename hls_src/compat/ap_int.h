// HLS compatibility subset: ap_int<W> / ap_uint<W> with the vendor's wrap-on-assign and
// width-growing arithmetic, for W in 1..128. Kernels include <ap_int.h> and compile unchanged
// against the vendor header; only the operations listed here are supported.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

template <int W>
struct ap_int;
template <int W>
struct ap_uint;

namespace flexllm::kern::ap_detail {
using u128 = unsigned __int128;
using i128 = __int128;
constexpr int cap(int w) { return w > 128 ? 128 : w; }
template <int W, bool S>
using ApT = std::conditional_t<S, ap_int<cap(W)>, ap_uint<cap(W)>>;
}  // namespace flexllm::kern::ap_detail

// The common storage: a 128-bit word whose bits above W hold the sign (signed) or zeros.
template <int W, bool S>
struct ap_int_base {
    static_assert(W >= 1 && W <= 128, "this compat subset supports widths 1..128");
    using u128 = flexllm::kern::ap_detail::u128;
    using i128 = flexllm::kern::ap_detail::i128;
    static constexpr int width = W;
    static constexpr bool sign_flag = S;

    u128 v_ = 0;

    static constexpr u128 norm(u128 x) {
        if constexpr (W == 128) {
            return x;
        } else {
            const u128 mask = (u128{1} << W) - 1;
            x &= mask;
            if (S && ((x >> (W - 1)) & 1)) x |= ~mask;
            return x;
        }
    }
    constexpr ap_int_base() = default;
    template <std::integral T>
    constexpr ap_int_base(T x) : v_(norm(static_cast<u128>(static_cast<i128>(x)))) {}
    constexpr ap_int_base(u128 x) : v_(norm(x)) {}
    constexpr ap_int_base(i128 x) : v_(norm(static_cast<u128>(x))) {}
    template <int W2, bool S2>
    constexpr ap_int_base(const ap_int_base<W2, S2>& o) : v_(norm(o.v_)) {}

    // Value as a signed 128-bit integer (exact for every W except unsigned 128 with bit 127 set).
    constexpr i128 value() const { return static_cast<i128>(v_); }
    constexpr int to_int() const { return static_cast<int>(static_cast<int64_t>(value())); }
    constexpr unsigned to_uint() const { return static_cast<unsigned>(v_); }
    constexpr long long to_int64() const { return static_cast<long long>(value()); }
    constexpr unsigned long long to_uint64() const { return static_cast<unsigned long long>(v_); }
    constexpr operator long long() const { return to_int64(); }

    constexpr bool operator[](int i) const { return (v_ >> i) & 1; }
    // Bits hi..lo as an unsigned value (vendor: a range reference; read-only here).
    constexpr ap_uint<W> range(int hi, int lo) const;
    constexpr void set_bit(int i, bool b) {
        const u128 m = u128{1} << i;
        v_ = norm(b ? (v_ | m) : (v_ & ~m));
    }
    constexpr void set_range(int hi, int lo, u128 bits) {
        const int n = hi - lo + 1;
        const u128 m = (n >= 128 ? ~u128{0} : ((u128{1} << n) - 1)) << lo;
        v_ = norm((v_ & ~m) | ((bits << lo) & m));
    }

    template <int W2, bool S2>
    constexpr ap_int_base& operator+=(const ap_int_base<W2, S2>& o) {
        v_ = norm(v_ + o.v_);
        return *this;
    }
    template <int W2, bool S2>
    constexpr ap_int_base& operator-=(const ap_int_base<W2, S2>& o) {
        v_ = norm(v_ - o.v_);
        return *this;
    }
    template <std::integral T>
    constexpr ap_int_base& operator+=(T o) {
        return *this += ap_int_base<64, std::is_signed_v<T>>(o);
    }
    constexpr ap_int_base& operator++() {
        v_ = norm(v_ + 1);
        return *this;
    }
    // Shifts keep the width (vendor semantics); >> is arithmetic for signed types.
    constexpr ap_int_base operator<<(int s) const {
        ap_int_base r;
        r.v_ = s >= 128 ? 0 : norm(v_ << s);
        return r;
    }
    constexpr ap_int_base operator>>(int s) const {
        ap_int_base r;
        if constexpr (S)
            r.v_ = norm(static_cast<u128>(static_cast<i128>(v_) >> (s >= 128 ? 127 : s)));
        else
            r.v_ = s >= 128 ? 0 : (v_ >> s);
        return r;
    }
};

template <int W>
struct ap_int : ap_int_base<W, true> {
    using ap_int_base<W, true>::ap_int_base;
    constexpr ap_int() = default;
    constexpr ap_int(const ap_int_base<W, true>& b) : ap_int_base<W, true>(b) {}
};
template <int W>
struct ap_uint : ap_int_base<W, false> {
    using ap_int_base<W, false>::ap_int_base;
    constexpr ap_uint() = default;
    constexpr ap_uint(const ap_int_base<W, false>& b) : ap_int_base<W, false>(b) {}
};

template <int W, bool S>
constexpr ap_uint<W> ap_int_base<W, S>::range(int hi, int lo) const {
    const int n = hi - lo + 1;
    const u128 m = n >= 128 ? ~u128{0} : ((u128{1} << n) - 1);
    return ap_uint<W>(static_cast<u128>((v_ >> lo) & m));
}

// ---- width-growing arithmetic (vendor rules: + and - grow by one bit, * sums the widths; a
// mixed signed/unsigned operation is signed and widens the unsigned operand by one bit) ----------
namespace flexllm::kern::ap_detail {
template <int W1, bool S1, int W2, bool S2>
struct Grow {
    static constexpr bool s = S1 || S2;
    static constexpr int e1 = W1 + (s && !S1 ? 1 : 0);
    static constexpr int e2 = W2 + (s && !S2 ? 1 : 0);
    static constexpr int add = (e1 > e2 ? e1 : e2) + 1;
    static constexpr int mul = W1 + W2;
};
}  // namespace flexllm::kern::ap_detail

template <int W1, bool S1, int W2, bool S2>
constexpr auto operator+(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
    using G = flexllm::kern::ap_detail::Grow<W1, S1, W2, S2>;
    using R = flexllm::kern::ap_detail::ApT<G::add, G::s>;
    R r;
    r.v_ = R::norm(a.v_ + b.v_);
    return r;
}
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator-(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
    using G = flexllm::kern::ap_detail::Grow<W1, S1, W2, S2>;
    using R = flexllm::kern::ap_detail::ApT<G::add, true>;
    R r;
    r.v_ = R::norm(a.v_ - b.v_);
    return r;
}
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator*(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
    using G = flexllm::kern::ap_detail::Grow<W1, S1, W2, S2>;
    using R = flexllm::kern::ap_detail::ApT<G::mul, G::s>;
    R r;
    r.v_ = R::norm(a.v_ * b.v_);  // two's complement product mod 2^128, exact below 128 bits
    return r;
}
template <int W, bool S>
constexpr auto operator-(const ap_int_base<W, S>& a) {
    return ap_int_base<1, false>(0) - a;
}
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator&(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
    using R = flexllm::kern::ap_detail::ApT<(W1 > W2 ? W1 : W2), S1 && S2>;
    R r;
    r.v_ = R::norm(a.v_ & b.v_);
    return r;
}
template <int W1, bool S1, int W2, bool S2>
constexpr auto operator|(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) {
    using R = flexllm::kern::ap_detail::ApT<(W1 > W2 ? W1 : W2), S1 && S2>;
    R r;
    r.v_ = R::norm(a.v_ | b.v_);
    return r;
}

// Native integers take part as ap_int<64> / ap_uint<64> (vendor: as their C width).
#define FLEXLLM_AP_NATIVE_OP(OP)                                        \
    template <int W, bool S, std::integral T>                           \
    constexpr auto operator OP(const ap_int_base<W, S>& a, T b) {       \
        return a OP ap_int_base<8 * sizeof(T), std::is_signed_v<T>>(b); \
    }                                                                   \
    template <int W, bool S, std::integral T>                           \
    constexpr auto operator OP(T a, const ap_int_base<W, S>& b) {       \
        return ap_int_base<8 * sizeof(T), std::is_signed_v<T>>(a) OP b; \
    }
FLEXLLM_AP_NATIVE_OP(+)
FLEXLLM_AP_NATIVE_OP(-)
FLEXLLM_AP_NATIVE_OP(*)
#undef FLEXLLM_AP_NATIVE_OP

// Comparisons by value (both sides as signed 128-bit).
#define FLEXLLM_AP_CMP(OP)                                                                   \
    template <int W1, bool S1, int W2, bool S2>                                              \
    constexpr bool operator OP(const ap_int_base<W1, S1>& a, const ap_int_base<W2, S2>& b) { \
        return a.value() OP b.value();                                                       \
    }                                                                                        \
    template <int W, bool S, std::integral T>                                                \
    constexpr bool operator OP(const ap_int_base<W, S>& a, T b) {                            \
        return a.value() OP static_cast<flexllm::kern::ap_detail::i128>(b);                  \
    }
FLEXLLM_AP_CMP(==)
FLEXLLM_AP_CMP(!=)
FLEXLLM_AP_CMP(<)
FLEXLLM_AP_CMP(<=)
FLEXLLM_AP_CMP(>)
FLEXLLM_AP_CMP(>=)
#undef FLEXLLM_AP_CMP
