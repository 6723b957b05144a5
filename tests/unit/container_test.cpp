// Golden-vector container (.gv): round trips, the documented byte layout, and one rejection test
// per kind of corruption (every bad input is a one-line Error naming the file and the problem).
#include "golden/container.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "file_test_support.h"
#include "golden/error.h"
#include "golden/tensor.h"

namespace flexllm::golden {
namespace {

using flexllm::testing::expect_error;

using ::testing::HasSubstr;
using ::testing::Not;

using Bytes = std::vector<uint8_t>;

std::string temp_path(const std::string& stem) { return testing::temp_path("gv", stem, ".gv"); }

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const Bytes& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

uint64_t le(const Bytes& b, size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(b.at(at + i)) << (8 * i);
    return v;
}
void put_le(Bytes& b, size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t crc(const uint8_t* p, size_t n) {
    return static_cast<uint32_t>(crc32(0L, p, static_cast<uInt>(n)));
}

// Recomputes the index CRC and the header CRC after a deliberate edit of the index, so that the
// reader's deeper checks are reached (layout per golden/README.md).
void reseal(Bytes& b) {
    const uint64_t index_bytes = le(b, 16, 8);
    put_le(b, 24, crc(b.data() + 32, index_bytes), 4);
    put_le(b, 28, crc(b.data(), 28), 4);
}

// Runs `fn`, expecting an Error whose one-line message contains every part of `parts`.
Tensor make_tensor(std::string name, DType dtype, std::vector<int64_t> shape, uint32_t seed) {
    Tensor t{std::move(name), dtype, std::move(shape), {}};
    t.data.resize(static_cast<size_t>(t.numel()) * dtype_size(dtype));
    uint32_t x = seed;
    for (auto& byte : t.data) {
        x = x * 1664525u + 1013904223u;  // LCG: incompressible bytes
        byte = static_cast<uint8_t>(x >> 24);
    }
    return t;
}

std::vector<Tensor> sample_tensors() {
    std::vector<Tensor> ts;
    ts.push_back(Tensor::from<int8_t>(
        "i8", {3, 5}, std::vector<int8_t>{-128, -1, 0, 1, 127, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
    ts.push_back(Tensor::from<uint8_t>("empty", {0, 4}, std::vector<uint8_t>{}));
    ts.push_back(make_tensor("i16", DType::kI16, {2, 3, 4}, 1));
    ts.push_back(make_tensor("u16", DType::kU16, {5}, 2));
    ts.push_back(Tensor::from<int32_t>("scalar", {}, std::vector<int32_t>{-123456789}));
    ts.push_back(make_tensor("u32", DType::kU32, {1, 1, 1, 7}, 3));
    ts.push_back(Tensor::from<int64_t>("i64", {2},
                                       std::vector<int64_t>{std::numeric_limits<int64_t>::min(),
                                                            std::numeric_limits<int64_t>::max()}));
    ts.push_back(Tensor::from<float>(
        "f32", {2, 2},
        std::vector<float>{1.5f, -0.0f, std::numeric_limits<float>::infinity(), std::nanf("")}));
    ts.push_back(Tensor::from<double>("f64", {3}, std::vector<double>{1e300, -2.5, 1e-310}));
    // Large and compressible: 4 MiB of a slowly varying int32 pattern.
    std::vector<int32_t> big(1024 * 1024);
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int32_t>(i / 64) - 5000;
    ts.push_back(Tensor::from<int32_t>("layer.0/large", {1024, 1024}, big));
    ts.push_back(make_tensor("noise", DType::kU8, {4096}, 4));  // incompressible
    return ts;
}

const std::string kMeta = R"({"model":"tiny","seed":7,"prompt_len":4})";

// Offset of entry `i`'s stream: streams follow the index in index order (README layout).
uint64_t stream_offset(const Bytes& file, const GoldenReader& r, size_t i) {
    uint64_t off = 32 + le(file, 16, 8);
    for (size_t k = 0; k < i; ++k) off += r.entries()[k].stored_bytes;
    return off;
}

size_t entry_index(const GoldenReader& r, const std::string& name) {
    for (size_t i = 0; i < r.entries().size(); ++i)
        if (r.entries()[i].name == name) return i;
    ADD_FAILURE() << "no entry " << name;
    return 0;
}

TEST(GoldenContainer, RoundTripsEveryDtypeAndShape) {
    const std::string path = temp_path("rt");
    const auto ts = sample_tensors();
    write_golden(path, kMeta, ts);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

    GoldenReader r(path);
    EXPECT_EQ(r.meta_json(), kMeta);
    ASSERT_EQ(r.names().size(), ts.size());
    ASSERT_EQ(r.entries().size(), ts.size());
    for (size_t i = 0; i < ts.size(); ++i) {
        const auto& e = r.entries()[i];
        EXPECT_EQ(r.names()[i], ts[i].name);
        EXPECT_EQ(e.name, ts[i].name);
        EXPECT_EQ(e.dtype, ts[i].dtype) << e.name;
        EXPECT_EQ(e.shape, ts[i].shape) << e.name;
        EXPECT_EQ(e.raw_bytes, ts[i].data.size()) << e.name;
        EXPECT_EQ(e.crc, crc(ts[i].data.data(), ts[i].data.size())) << e.name;
        EXPECT_TRUE(r.has(ts[i].name));
        Tensor got = r.read(ts[i].name);
        EXPECT_EQ(got.name, ts[i].name);
        EXPECT_EQ(got.dtype, ts[i].dtype);
        EXPECT_EQ(got.shape, ts[i].shape);
        EXPECT_TRUE(got.data == ts[i].data) << e.name;
    }
    EXPECT_TRUE(r.verify_all().empty());
    EXPECT_FALSE(r.has("nope"));
    // Values survive, not just bytes: spot-check typed access.
    EXPECT_EQ(r.read("scalar").to_vector<int32_t>(), std::vector<int32_t>{-123456789});
    EXPECT_EQ(r.read("i64").to_vector<int64_t>()[0], std::numeric_limits<int64_t>::min());
    EXPECT_TRUE(std::isnan(r.read("f32").to_vector<float>()[3]));
    EXPECT_EQ(r.read("f64").to_vector<double>()[2], 1e-310);
}

TEST(GoldenContainer, CompressesAndReadsOneTensorByName) {
    const std::string path = temp_path("ra");
    write_golden(path, kMeta, sample_tensors());
    GoldenReader r(path);
    const auto& large = r.entries()[entry_index(r, "layer.0/large")];
    EXPECT_EQ(large.raw_bytes, 4u << 20);
    EXPECT_LT(large.stored_bytes * 20, large.raw_bytes);  // the pattern compresses well
    // Random access: only this tensor is decompressed; corrupting another does not matter.
    Bytes b = read_bytes(path);
    const uint64_t noise_at = stream_offset(b, r, entry_index(r, "noise"));
    b.at(noise_at + 100) ^= 0x01;
    write_bytes(path, b);
    GoldenReader r2(path);
    std::vector<int32_t> v = r2.read("layer.0/large").to_vector<int32_t>();
    EXPECT_EQ(v[0], -5000);
    EXPECT_EQ(v[64 * 1000 + 3], 1000 - 5000);
}

TEST(GoldenContainer, HeaderMatchesDocumentedLayout) {
    const std::string path = temp_path("layout");
    write_golden(path, "{}", {Tensor::from<int16_t>("t", {2}, std::vector<int16_t>{1, -1})});
    const Bytes b = read_bytes(path);
    ASSERT_GE(b.size(), 32u);
    const Bytes magic = {0x89, 'F', 'L', 'X', 'G', 'V', '\r', '\n'};
    EXPECT_TRUE(std::equal(magic.begin(), magic.end(), b.begin()));
    EXPECT_EQ(le(b, 8, 4), 1u);   // version
    EXPECT_EQ(le(b, 12, 4), 0u);  // flags
    const uint64_t index_bytes = le(b, 16, 8);
    // meta (4 + 2) + count 4 + entry (2 + 1 + 1 + 1 + 8 + 8 + 8 + 8 + 4)
    EXPECT_EQ(index_bytes, 6u + 4u + 41u);
    EXPECT_EQ(le(b, 24, 4), crc(b.data() + 32, index_bytes));
    EXPECT_EQ(le(b, 28, 4), crc(b.data(), 28));
    size_t at = 32;
    EXPECT_EQ(le(b, at, 4), 2u);  // meta length
    at += 4 + 2;
    EXPECT_EQ(le(b, at, 4), 1u);  // tensor count
    at += 4;
    EXPECT_EQ(le(b, at, 2), 1u);  // name length
    EXPECT_EQ(b.at(at + 2), 't');
    EXPECT_EQ(b.at(at + 3), static_cast<uint8_t>(DType::kI16));
    EXPECT_EQ(b.at(at + 4), 1u);      // rank
    EXPECT_EQ(le(b, at + 5, 8), 2u);  // dim 0
    const uint64_t offset = le(b, at + 13, 8);
    const uint64_t stored = le(b, at + 21, 8);
    EXPECT_EQ(offset, 32 + index_bytes);
    EXPECT_EQ(offset + stored, b.size());
    EXPECT_EQ(le(b, at + 29, 8), 4u);  // raw bytes
    const uint8_t raw[4] = {0x01, 0x00, 0xff, 0xff};
    EXPECT_EQ(le(b, at + 37, 4), crc(raw, 4));
    // The stream is raw deflate: inflating it independently gives the raw bytes.
    z_stream zs{};
    ASSERT_EQ(inflateInit2(&zs, -15), Z_OK);
    uint8_t out[16];
    zs.next_in = const_cast<uint8_t*>(b.data() + offset);
    zs.avail_in = static_cast<uInt>(stored);
    zs.next_out = out;
    zs.avail_out = sizeof(out);
    EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
    EXPECT_EQ(zs.total_out, 4u);
    inflateEnd(&zs);
    EXPECT_EQ(std::memcmp(out, raw, 4), 0);
}

TEST(GoldenContainer, RejectsFlippedTensorByteNamingTheTensor) {
    const std::string path = temp_path("flip");
    write_golden(path, kMeta, sample_tensors());
    Bytes b = read_bytes(path);
    {
        GoldenReader r(path);
        // "noise" is incompressible, so deflate stores it: a flipped byte changes the data
        // without breaking the stream, and only the per-tensor CRC can catch it.
        const size_t i = entry_index(r, "noise");
        b.at(stream_offset(b, r, i) + r.entries()[i].stored_bytes / 2) ^= 0x10;
    }
    write_bytes(path, b);
    GoldenReader r(path);  // header and index are intact
    expect_error([&] { r.read("noise"); }, {path, "tensor 'noise'", "CRC mismatch"});
    const auto bad = r.verify_all();
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_THAT(bad[0], HasSubstr("'noise'"));
    EXPECT_THAT(bad[0], HasSubstr("CRC mismatch"));
    EXPECT_EQ(r.read("i16").data, sample_tensors()[2].data);  // others still readable
}

TEST(GoldenContainer, RejectsCorruptDeflateStream) {
    const std::string path = temp_path("zlib");
    write_golden(path, kMeta, sample_tensors());
    Bytes b = read_bytes(path);
    {
        GoldenReader r(path);
        // First block header of the stream: BFINAL=1, BTYPE=11 (reserved) is invalid deflate.
        b.at(stream_offset(b, r, entry_index(r, "layer.0/large"))) = 0x07;
    }
    write_bytes(path, b);
    GoldenReader r(path);
    expect_error([&] { r.read("layer.0/large"); },
                 {path, "tensor 'layer.0/large'", "zlib decompression failed"});
    EXPECT_EQ(r.verify_all().size(), 1u);
}

TEST(GoldenContainer, RejectsTruncationAtEveryRegion) {
    const std::string path = temp_path("full");
    write_golden(path, kMeta, sample_tensors());
    const Bytes full = read_bytes(path);
    const uint64_t data_start = 32 + le(full, 16, 8);
    struct Cut {
        size_t size;
        const char* expect;
    };
    const std::vector<Cut> cuts = {
        {0, "truncated header"},
        {5, "truncated header"},
        {8, "truncated header"},
        {31, "truncated header"},
        {32, "truncated index"},
        {40, "truncated index"},
        {data_start - 1, "truncated index"},
        {data_start, "truncated tensor data: tensor 'i8'"},
        {data_start + 3, "truncated tensor data"},
        {full.size() / 2, "truncated tensor data"},
        {full.size() - 1, "truncated tensor data: tensor 'noise'"},
    };
    for (const Cut& c : cuts) {
        SCOPED_TRACE("cut at " + std::to_string(c.size));
        const std::string p = temp_path("cut");
        write_bytes(p, Bytes(full.begin(), full.begin() + c.size));
        expect_error([&] { GoldenReader r(p); }, {p, c.expect});
    }
}

TEST(GoldenContainer, RejectsBadMagic) {
    const std::string path = temp_path("magic");
    write_golden(path, kMeta, sample_tensors());
    Bytes b = read_bytes(path);
    b.at(1) = 'G';
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {path, "not a golden-vector file (bad magic)"});
    // A text file, and a short file that is not a prefix of the magic.
    write_bytes(path, Bytes{'{', '"', 'a', '"', ':', '1', '}', '\n', ' ', ' ', ' ', ' '});
    expect_error([&] { GoldenReader r(path); }, {"bad magic"});
    write_bytes(path, Bytes{0x89, 'F', 'X'});
    expect_error([&] { GoldenReader r(path); }, {"bad magic"});
}

TEST(GoldenContainer, RejectsUnsupportedVersion) {
    const std::string path = temp_path("version");
    write_golden(path, kMeta, sample_tensors());
    Bytes b = read_bytes(path);
    put_le(b, 8, 2, 4);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); },
                 {path, "unsupported golden format version 2", "reads version 1"});
}

TEST(GoldenContainer, RejectsCorruptIndexAndHeader) {
    const std::string path = temp_path("index");
    write_golden(path, kMeta, sample_tensors());
    const Bytes good = read_bytes(path);
    Bytes b = good;
    b.at(32 + 4 + 3) ^= 0x01;  // a metadata byte
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {path, "index CRC mismatch"});
    b = good;
    b.at(good.size() > 200 ? 150 : 40) ^= 0x80;  // inside an index entry
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"index CRC mismatch"});
    b = good;
    b.at(17) ^= 0x01;  // index length
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"header CRC mismatch"});
}

TEST(GoldenContainer, RejectsShapeInconsistentWithByteCount) {
    const std::string path = temp_path("shape");
    write_golden(path, "", {Tensor::from<int32_t>("w", {2, 3}, std::vector<int32_t>(6, 9))});
    Bytes b = read_bytes(path);
    const size_t entry = 32 + 4 + 0 + 4;  // empty metadata
    const size_t dim1 = entry + 2 + 1 + 1 + 1 + 8;
    ASSERT_EQ(le(b, dim1, 8), 3u);
    put_le(b, dim1, 4, 8);  // shape [2,4] x i32 = 32 bytes, raw size says 24
    reseal(b);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); },
                 {path, "tensor 'w' shape [2,4] x i32 is inconsistent with its 24 bytes"});
    // Same, with a dtype change instead (i32 -> i64).
    put_le(b, dim1, 3, 8);
    b.at(entry + 2 + 1) = static_cast<uint8_t>(DType::kI64);
    reseal(b);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"tensor 'w' shape [2,3] x i64"});
}

TEST(GoldenContainer, RejectsAbsurdCountsWithoutAllocating) {
    const std::string path = temp_path("count");
    write_golden(path, "", {Tensor::from<int8_t>("w", {1}, std::vector<int8_t>{1})});
    const Bytes good = read_bytes(path);
    Bytes b = good;
    put_le(b, 32 + 4, 0xffffffffu, 4);  // tensor count
    reseal(b);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"corrupt index", "tensor count 4294967295"});
    b = good;
    put_le(b, 32, 0xfffffff0u, 4);  // metadata length
    reseal(b);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"corrupt index", "metadata length"});
    b = good;
    const size_t stored_at = 32 + 4 + 4 + 2 + 1 + 1 + 1 + 8 + 8;
    put_le(b, stored_at, uint64_t{1} << 60, 8);  // stored size far beyond the file
    reseal(b);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {"truncated tensor data: tensor 'w'"});
}

TEST(GoldenContainer, RejectsTrailingBytes) {
    const std::string path = temp_path("trail");
    write_golden(path, kMeta, sample_tensors());
    Bytes b = read_bytes(path);
    b.push_back(0);
    write_bytes(path, b);
    expect_error([&] { GoldenReader r(path); }, {path, "1 unexpected bytes after the last tensor"});
}

TEST(GoldenContainer, RejectsMissingTensor) {
    const std::string path = temp_path("missing");
    write_golden(path, kMeta, sample_tensors());
    GoldenReader r(path);
    expect_error([&] { r.read("layer.1/large"); }, {path, "no tensor 'layer.1/large'"});
}

TEST(GoldenContainer, RejectsNonexistentFile) {
    const std::string path = temp_path("nonexistent");
    expect_error([&] { GoldenReader r(path); }, {path, "cannot open", "No such file"});
    expect_error([&] { GoldenReader r(::testing::TempDir()); }, {"is a directory"});
}

TEST(GoldenContainer, RejectsBadInputToWriter) {
    const std::string path = temp_path("writer");
    auto t = Tensor::from<int8_t>("a", {2}, std::vector<int8_t>{1, 2});
    expect_error([&] { write_golden(path, "", {t, t}); }, {path, "duplicate tensor name 'a'"});
    Tensor bad = t;
    bad.shape = {3};
    expect_error([&] { write_golden(path, "", {bad}); },
                 {"tensor 'a' shape [3] x i8 does not match its 2 bytes"});
    Tensor badname = t;
    badname.name = "a\nb";
    expect_error([&] { write_golden(path, "", {badname}); }, {"invalid tensor name"});
    EXPECT_FALSE(std::filesystem::exists(path));
    const std::string nodir = ::testing::TempDir() + "flexllm_no_such_dir/x.gv";
    expect_error([&] { write_golden(nodir, "", {t}); }, {"cannot create"});
}

// Every single-byte corruption and every truncation of a small file is either detected as an
// Error or (for bits deflate ignores) leaves the tensors unchanged; nothing else escapes.
TEST(GoldenContainer, RejectsEveryByteFlipAndTruncationCleanly) {
    const std::string path = temp_path("fuzz");
    const std::vector<Tensor> ts = {
        Tensor::from<int32_t>("a", {2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6}),
        make_tensor("b", DType::kU8, {40}, 9),
        Tensor::from<uint8_t>("c", {0}, std::vector<uint8_t>{})};
    write_golden(path, R"({"k":1})", ts);
    const Bytes good = read_bytes(path);
    const std::string p = temp_path("fuzz_case");
    int detected = 0, benign = 0;
    for (size_t at = 0; at < good.size(); ++at) {
        for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
            Bytes b = good;
            b[at] ^= mask;
            write_bytes(p, b);
            try {
                GoldenReader r(p);
                if (!r.verify_all().empty()) {
                    ++detected;
                    continue;
                }
                for (const Tensor& t : ts) ASSERT_EQ(r.read(t.name).data, t.data) << at;
                ++benign;
            } catch (const Error& e) {
                EXPECT_THAT(std::string(e.what()), Not(HasSubstr("\n")));
                ++detected;
            }
        }
    }
    EXPECT_GT(detected, 0);
    EXPECT_LE(benign, 6);  // only padding bits after the final deflate block can be flipped
    for (size_t n = 0; n < good.size(); ++n) {
        write_bytes(p, Bytes(good.begin(), good.begin() + n));
        EXPECT_THROW(GoldenReader r(p), Error) << n;
    }
}

}  // namespace
}  // namespace flexllm::golden
