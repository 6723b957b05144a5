// The HLS compat types: wrap/truncate on assignment, width-growing arithmetic, streams, vectors.
#include <ap_int.h>
#include <gtest/gtest.h>
#include <hls_stream.h>
#include <hls_vector.h>

namespace {

TEST(ApInt, WrapsOnAssignment) {
    ap_int<4> a = 7;
    a += 1;  // 8 wraps to -8
    EXPECT_EQ(a.to_int(), -8);
    ap_uint<4> u = 17;
    EXPECT_EQ(u.to_int(), 1);
    ap_int<4> n = ap_uint<8>(0xF9);  // low four bits 1001 = -7
    EXPECT_EQ(n.to_int(), -7);
    ap_uint<8> z = ap_int<4>(-1);  // sign-extended then truncated: 0xFF
    EXPECT_EQ(z.to_int(), 255);
}

TEST(ApInt, ArithmeticGrowsWidth) {
    ap_int<4> a = -8, b = -8;
    auto p = a * b;  // ap_int<8>: +64 is representable
    static_assert(decltype(p)::width == 8);
    EXPECT_EQ(p.to_int(), 64);
    ap_uint<4> c = 15;
    auto s = c + c;  // ap_uint<5>
    static_assert(decltype(s)::width == 5 && !decltype(s)::sign_flag);
    EXPECT_EQ(s.to_int(), 30);
    auto m = c * a;  // mixed: signed
    static_assert(decltype(m)::sign_flag);
    EXPECT_EQ(m.to_int(), -120);
    auto d = ap_uint<4>(3) - ap_uint<4>(5);  // unsigned difference is signed
    EXPECT_EQ(d.to_int(), -2);
}

TEST(ApInt, WideProductsAreExact) {
    ap_int<64> a = -(1LL << 62);
    ap_uint<16> m = 65535;
    ap_int<80> p = a * m;
    EXPECT_TRUE(p.value() == static_cast<__int128>(-(1LL << 62)) * 65535);
    EXPECT_EQ((p >> 70).to_int64(),
              static_cast<long long>((static_cast<__int128>(-(1LL << 62)) * 65535) >> 70));
}

TEST(ApInt, ShiftsKeepWidthAndBitsSelect) {
    ap_uint<8> a = 0x81;
    EXPECT_EQ((a << 1).to_int(), 0x02);
    ap_int<8> s = -128;
    EXPECT_EQ((s >> 3).to_int(), -16);
    EXPECT_EQ(a.range(7, 4).to_int(), 8);
    EXPECT_TRUE(a[0]);
    a.set_bit(1, true);
    EXPECT_EQ(a.to_int(), 0x83);
}

TEST(HlsStream, DepthAndEmptyRead) {
    hls::stream<int, 2> s("s");
    EXPECT_TRUE(s.empty());
    s.write(1);
    s.write(2);
    EXPECT_TRUE(s.full());
    EXPECT_EQ(s.read(), 1);
    EXPECT_EQ(s.read(), 2);
    EXPECT_THROW(s.read(), hls::stream_error);
}

TEST(HlsVector, ElementwiseOps) {
    hls::vector<int, 3> a(2), b;
    b[1] = 5;
    auto c = a + b;
    EXPECT_EQ(c[0], 2);
    EXPECT_EQ(c[1], 7);
    EXPECT_TRUE((c - b) == a);
}

}  // namespace
