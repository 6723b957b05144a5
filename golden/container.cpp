// Golden-vector container (.gv): writer and random-access reader. Layout in golden/README.md.
#include "golden/container.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "golden/binary_file.h"
#include "golden/error.h"

namespace flexllm::golden {

namespace {

// "\x89FLXGV\r\n": the high byte catches 7-bit transfers, CR LF catches newline conversion.
constexpr std::array<uint8_t, 8> kMagic = {0x89, 'F', 'L', 'X', 'G', 'V', '\r', '\n'};
constexpr size_t kMaxMetaBytes = size_t{64} << 20;
constexpr uint32_t kMaxTensors = 1u << 20;
constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxRank = 8;
constexpr uint64_t kMaxIndexBytes = uint64_t{1} << 30;
// deflate cannot expand data more than ~1032:1; anything beyond is a corrupt index entry and
// must not turn into a huge allocation.
constexpr uint64_t kMaxInflateRatio = 1100;
// Raw deflate streams (RFC 1951, no zlib header or Adler-32), as in ZIP: the per-tensor CRC32 is
// the one checksum of the data.
constexpr int kRawDeflate = -15;
constexpr size_t kZChunk = size_t{1} << 30;  // zlib counts are 32-bit
constexpr size_t kIoChunk = size_t{1} << 18;
// The first output allocation of an inflate; it doubles as the stream delivers.
constexpr uint64_t kInflateFirstChunk = uint64_t{1} << 20;

// Control characters in a name would break one-line messages; names are printable.
bool printable_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameBytes) return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// A name for a one-line message: control bytes escaped.
std::string escaped(std::string_view name) {
    std::string out;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

// numel x elem_size with overflow detection; nullopt-like false on overflow or negative dims.
bool byte_count(const std::vector<int64_t>& shape, size_t elem_size, uint64_t& out) {
    uint64_t n = elem_size;
    for (int64_t d : shape) {
        if (d < 0) return false;
        uint64_t ud = static_cast<uint64_t>(d);
        if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud) return false;
        n *= ud;
    }
    out = n;
    return true;
}

void put_u8(std::vector<uint8_t>& b, uint8_t v) { b.push_back(v); }
void put_le(std::vector<uint8_t>& b, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t get_le(const uint8_t* p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

uint32_t crc32_of(const uint8_t* p, size_t n) { return static_cast<uint32_t>(crc32_z(0L, p, n)); }

// Bounds-checked little-endian reads from the index; overruns are "corrupt index".
class Cursor {
  public:
    Cursor(const std::vector<uint8_t>& buf, const std::string& path) : buf_(buf), path_(path) {}
    uint64_t le(int bytes, const char* what) {
        need(bytes, what);
        uint64_t v = get_le(buf_.data() + pos_, bytes);
        pos_ += bytes;
        return v;
    }
    std::string str(size_t n, const char* what) {
        need(n, what);
        std::string s(reinterpret_cast<const char*>(buf_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    size_t remaining() const { return buf_.size() - pos_; }

  private:
    void need(size_t n, const char* what) {
        if (n > remaining())
            throw Error(
                fmt::format("{}: corrupt index: {} runs past the end of the index", path_, what));
    }
    const std::vector<uint8_t>& buf_;
    const std::string& path_;
    size_t pos_ = 0;
};

// Deflates `data` into `out_file`; returns the stream size. CRC32 of the input goes to `crc`.
uint64_t deflate_to(AtomicFile& out_file, const std::vector<uint8_t>& data, uint32_t& crc) {
    const std::string& path = out_file.tmp_path();
    crc = crc32_of(data.data(), data.size());
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kRawDeflate, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        throw Error(fmt::format("{}: zlib deflateInit failed", path));
    std::vector<uint8_t> out(kIoChunk);
    const uint8_t* in = data.data();
    size_t in_left = data.size();
    uint64_t stored = 0;
    int ret = Z_OK;
    try {
        do {
            if (zs.avail_in == 0 && in_left > 0) {
                size_t n = std::min(in_left, kZChunk);
                zs.next_in = const_cast<Bytef*>(in);
                zs.avail_in = static_cast<uInt>(n);
                in += n;
                in_left -= n;
            }
            zs.next_out = out.data();
            zs.avail_out = static_cast<uInt>(out.size());
            ret = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
            if (ret == Z_STREAM_ERROR) throw Error(fmt::format("{}: zlib deflate failed", path));
            size_t produced = out.size() - zs.avail_out;
            out_file.write(out.data(), produced);
            stored += produced;
        } while (ret != Z_STREAM_END);
    } catch (...) {
        deflateEnd(&zs);
        throw;
    }
    deflateEnd(&zs);
    return stored;
}

// Inflates exactly `stored` into exactly `raw_size` bytes; anything else is an Error. The output
// grows with what the stream actually produces (from kInflateFirstChunk, doubling, never past
// raw_size), so a stream that is garbage or shorter than its index claims fails before the
// claimed size is ever allocated.
std::vector<uint8_t> inflate_exact(const std::vector<uint8_t>& stored, uint64_t raw_size,
                                   const std::string& where) {
    z_stream zs{};
    if (inflateInit2(&zs, kRawDeflate) != Z_OK) throw Error(where + ": zlib inflateInit failed");
    const uint8_t* in = stored.data();
    size_t in_left = stored.size();
    std::vector<uint8_t> raw(static_cast<size_t>(std::min(raw_size, kInflateFirstChunk)));
    uint64_t produced = 0;
    uint8_t scratch = 0;
    bool in_scratch = false;  // output complete: one spare byte detects excess data
    std::string problem;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            size_t n = std::min(in_left, kZChunk);
            zs.next_in = const_cast<Bytef*>(in);
            zs.avail_in = static_cast<uInt>(n);
            in += n;
            in_left -= n;
        }
        if (zs.avail_out == 0 && !in_scratch) {
            if (produced == raw.size() && raw.size() < raw_size)
                raw.resize(static_cast<size_t>(std::min<uint64_t>(raw_size, 2 * raw.size())));
            if (produced < raw.size()) {
                zs.next_out = raw.data() + produced;
                zs.avail_out =
                    static_cast<uInt>(std::min<uint64_t>(raw.size() - produced, kZChunk));
            } else {
                zs.next_out = &scratch;
                zs.avail_out = 1;
                in_scratch = true;
            }
        }
        const uInt room = zs.avail_out;
        int ret = inflate(&zs, Z_NO_FLUSH);
        if (in_scratch && zs.avail_out == 0) {
            problem =
                fmt::format("decompresses to more than the {} bytes the index says", raw_size);
            break;
        }
        if (!in_scratch) produced += room - zs.avail_out;
        if (ret == Z_STREAM_END) {
            if (produced != raw_size)
                problem =
                    fmt::format("decompresses to {} bytes, the index says {}", produced, raw_size);
            else if (zs.avail_in != 0 || in_left != 0)
                problem = "trailing bytes after the deflate stream";
            break;
        }
        if (ret == Z_OK) continue;
        if (ret == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
            problem = "deflate stream ends early (corrupt data)";
        } else {
            problem = fmt::format("zlib decompression failed: {}",
                                  zs.msg ? zs.msg : "error " + std::to_string(ret));
        }
        break;
    }
    inflateEnd(&zs);
    if (!problem.empty()) throw Error(where + ": " + problem);
    return raw;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

void write_golden(const std::string& path, const std::string& meta_json,
                  const std::vector<Tensor>& tensors) {
    if (meta_json.size() > kMaxMetaBytes)
        throw Error(fmt::format("{}: metadata JSON is {} bytes, the limit is {}", path,
                                meta_json.size(), kMaxMetaBytes));
    if (tensors.size() > kMaxTensors)
        throw Error(
            fmt::format("{}: {} tensors, the limit is {}", path, tensors.size(), kMaxTensors));
    std::set<std::string_view> seen;
    uint64_t index_bytes = 4 + meta_json.size() + 4;
    for (const Tensor& t : tensors) {
        if (!printable_name(t.name))
            throw Error(fmt::format("{}: invalid tensor name '{}' (1 to {} printable bytes)", path,
                                    escaped(t.name.substr(0, 200)), kMaxNameBytes));
        if (!seen.insert(t.name).second)
            throw Error(fmt::format("{}: duplicate tensor name '{}'", path, t.name));
        if (static_cast<size_t>(t.dtype) > static_cast<size_t>(DType::kF64))
            throw Error(fmt::format("{}: tensor '{}' has an invalid dtype", path, t.name));
        if (t.shape.size() > kMaxRank)
            throw Error(fmt::format("{}: tensor '{}' has rank {}, the limit is {}", path, t.name,
                                    t.shape.size(), kMaxRank));
        uint64_t need = 0;
        if (!byte_count(t.shape, dtype_size(t.dtype), need) || need != t.data.size())
            throw Error(fmt::format("{}: tensor '{}' shape {} x {} does not match its {} bytes",
                                    path, t.name, shape_str(t.shape), dtype_name(t.dtype),
                                    t.data.size()));
        index_bytes += 2 + t.name.size() + 1 + 1 + 8 * t.shape.size() + 8 + 8 + 8 + 4;
    }

    // Tensor streams first (after a hole for header and index), then the index with the offsets,
    // sizes and CRCs now known.
    AtomicFile f(path);
    const uint64_t data_start = kGoldenHeaderBytes + index_bytes;
    f.seek(data_start);
    std::vector<uint8_t> index;
    index.reserve(index_bytes);
    put_le(index, meta_json.size(), 4);
    index.insert(index.end(), meta_json.begin(), meta_json.end());
    put_le(index, tensors.size(), 4);
    uint64_t offset = data_start;
    for (const Tensor& t : tensors) {
        uint32_t crc = 0;
        uint64_t stored = deflate_to(f, t.data, crc);
        put_le(index, t.name.size(), 2);
        index.insert(index.end(), t.name.begin(), t.name.end());
        put_u8(index, static_cast<uint8_t>(t.dtype));
        put_u8(index, static_cast<uint8_t>(t.shape.size()));
        for (int64_t d : t.shape) put_le(index, static_cast<uint64_t>(d), 8);
        put_le(index, offset, 8);
        put_le(index, stored, 8);
        put_le(index, t.data.size(), 8);
        put_le(index, crc, 4);
        offset += stored;
    }
    if (index.size() != index_bytes)
        throw Error(fmt::format("{}: internal error: index is {} bytes, expected {}", f.tmp_path(),
                                index.size(), index_bytes));

    std::vector<uint8_t> header(kMagic.begin(), kMagic.end());
    put_le(header, kGoldenFormatVersion, 4);
    put_le(header, 0, 4);  // flags
    put_le(header, index_bytes, 8);
    put_le(header, crc32_of(index.data(), index.size()), 4);
    put_le(header, crc32_of(header.data(), header.size()), 4);

    f.seek(0);
    f.write(header.data(), header.size());
    f.write(index.data(), index.size());
    f.commit();
}

// ---------------------------------------------------------------------------------------------
// Reader

GoldenReader::GoldenReader(const std::string& path) : path_(path) {
    BinaryFile f(path, "golden file");
    const uint64_t size = f.size();

    std::array<uint8_t, kGoldenHeaderBytes> h{};
    const size_t have = static_cast<size_t>(std::min<uint64_t>(size, h.size()));
    f.read_at(0, h.data(), have, "header");
    const size_t magic_have = std::min(have, kMagic.size());
    if (!std::equal(kMagic.begin(), kMagic.begin() + magic_have, h.begin()))
        throw Error(fmt::format("{}: not a golden-vector file (bad magic)", path));
    if (have >= 12) {
        uint32_t version = static_cast<uint32_t>(get_le(h.data() + 8, 4));
        if (version != kGoldenFormatVersion)
            throw Error(
                fmt::format("{}: unsupported golden format version {} (this build reads "
                            "version {})",
                            path, version, kGoldenFormatVersion));
    }
    if (have < kGoldenHeaderBytes)
        throw Error(fmt::format("{}: truncated header: file has {} bytes, the header needs {}",
                                path, size, kGoldenHeaderBytes));
    const uint32_t header_crc = static_cast<uint32_t>(get_le(h.data() + 28, 4));
    if (crc32_of(h.data(), 28) != header_crc)
        throw Error(fmt::format("{}: header CRC mismatch (header is corrupt)", path));
    const uint32_t flags = static_cast<uint32_t>(get_le(h.data() + 12, 4));
    if (flags != 0) throw Error(fmt::format("{}: unsupported header flags 0x{:x}", path, flags));
    const uint64_t index_bytes = get_le(h.data() + 16, 8);
    const uint32_t index_crc = static_cast<uint32_t>(get_le(h.data() + 24, 4));
    if (index_bytes > kMaxIndexBytes)
        throw Error(fmt::format("{}: corrupt header: index length {} exceeds the {} limit", path,
                                index_bytes, kMaxIndexBytes));
    if (index_bytes > size - kGoldenHeaderBytes)
        throw Error(fmt::format("{}: truncated index: needs bytes [{}, {}) but the file has {}",
                                path, kGoldenHeaderBytes, kGoldenHeaderBytes + index_bytes, size));

    std::vector<uint8_t> index(index_bytes);
    f.read_at(kGoldenHeaderBytes, index.data(), index.size(), "index");
    const uint32_t got_crc = crc32_of(index.data(), index.size());
    if (got_crc != index_crc)
        throw Error(fmt::format("{}: index CRC mismatch (stored 0x{:08x}, computed 0x{:08x})", path,
                                index_crc, got_crc));

    Cursor c(index, path);
    const uint64_t meta_bytes = c.le(4, "metadata length");
    if (meta_bytes > kMaxMetaBytes)
        throw Error(fmt::format("{}: corrupt index: metadata length {} exceeds the {} limit", path,
                                meta_bytes, kMaxMetaBytes));
    meta_json_ = c.str(meta_bytes, "metadata");
    const uint64_t count = c.le(4, "tensor count");
    constexpr size_t kMinEntry = 2 + 1 + 1 + 1 + 8 + 8 + 8 + 4;
    if (count > kMaxTensors || count > c.remaining() / kMinEntry)
        throw Error(
            fmt::format("{}: corrupt index: tensor count {} does not fit the index", path, count));
    entries_.reserve(count);
    offsets_.reserve(count);
    const uint64_t data_start = kGoldenHeaderBytes + index_bytes;
    for (uint64_t i = 0; i < count; ++i) {
        Entry e;
        const uint64_t name_len = c.le(2, "tensor name length");
        e.name = c.str(name_len, "tensor name");
        if (!printable_name(e.name))
            throw Error(fmt::format("{}: corrupt index: tensor #{} has an invalid name", path, i));
        const std::string tn = fmt::format("tensor '{}'", e.name);
        const uint64_t dtype = c.le(1, "dtype");
        if (dtype > static_cast<uint64_t>(DType::kF64))
            throw Error(
                fmt::format("{}: corrupt index: {} has unknown dtype code {}", path, tn, dtype));
        e.dtype = static_cast<DType>(dtype);
        const uint64_t rank = c.le(1, "rank");
        if (rank > kMaxRank)
            throw Error(fmt::format("{}: corrupt index: {} has rank {}, the limit is {}", path, tn,
                                    rank, kMaxRank));
        for (uint64_t d = 0; d < rank; ++d)
            e.shape.push_back(static_cast<int64_t>(c.le(8, "shape")));
        const uint64_t offset = c.le(8, "data offset");
        e.stored_bytes = c.le(8, "stored size");
        e.raw_bytes = c.le(8, "raw size");
        e.crc = static_cast<uint32_t>(c.le(4, "CRC"));
        uint64_t need = 0;
        if (!byte_count(e.shape, dtype_size(e.dtype), need) || need != e.raw_bytes)
            throw Error(fmt::format("{}: {} shape {} x {} is inconsistent with its {} bytes", path,
                                    tn, shape_str(e.shape), dtype_name(e.dtype), e.raw_bytes));
        if (e.raw_bytes > kMaxInflateRatio * e.stored_bytes + 1024)
            throw Error(fmt::format("{}: corrupt index: {} claims {} bytes from a {}-byte stream",
                                    path, tn, e.raw_bytes, e.stored_bytes));
        if (offset < data_start || offset > size || e.stored_bytes > size - offset)
            throw Error(
                fmt::format("{}: truncated tensor data: {} needs bytes [{}, {}) but the "
                            "file has {}",
                            path, tn, offset, offset + e.stored_bytes, size));
        if (!by_name_.emplace(e.name, entries_.size()).second)
            throw Error(fmt::format("{}: corrupt index: duplicate {}", path, tn));
        offsets_.push_back(offset);
        entries_.push_back(std::move(e));
    }
    if (c.remaining() != 0)
        throw Error(
            fmt::format("{}: corrupt index: {} unused bytes at its end", path, c.remaining()));

    // Tensor streams must not overlap, and nothing may follow the last one.
    std::vector<size_t> order(entries_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return offsets_[a] < offsets_[b]; });
    uint64_t end = data_start;
    for (size_t i : order) {
        if (offsets_[i] < end)
            throw Error(fmt::format("{}: corrupt index: tensor '{}' overlaps the previous one",
                                    path, entries_[i].name));
        end = offsets_[i] + entries_[i].stored_bytes;
    }
    if (end != size)
        throw Error(fmt::format("{}: {} unexpected bytes after the last tensor", path, size - end));
}

std::vector<std::string> GoldenReader::names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
}

bool GoldenReader::has(std::string_view name) const { return by_name_.count(name) != 0; }

Tensor GoldenReader::read(std::string_view name) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end())
        throw Error(fmt::format("{}: no tensor '{}' in golden file ({} tensors)", path_, name,
                                entries_.size()));
    return read_entry(it->second);
}

Tensor GoldenReader::read_entry(size_t i) const {
    const Entry& e = entries_[i];
    const std::string where = fmt::format("{}: tensor '{}'", path_, e.name);
    BinaryFile f(path_, "golden file");
    // The file may have changed since it was opened; re-check before allocating.
    const uint64_t size = f.size();
    if (offsets_[i] > size || e.stored_bytes > size - offsets_[i])
        throw Error(
            fmt::format("{}: truncated tensor data: tensor '{}' needs bytes [{}, {}) but "
                        "the file has {}",
                        path_, e.name, offsets_[i], offsets_[i] + e.stored_bytes, size));
    std::vector<uint8_t> stored(e.stored_bytes);
    f.read_at(offsets_[i], stored.data(), stored.size(), fmt::format("tensor '{}' data", e.name));
    Tensor t{e.name, e.dtype, e.shape, inflate_exact(stored, e.raw_bytes, where)};
    const uint32_t crc = crc32_of(t.data.data(), t.data.size());
    if (crc != e.crc)
        throw Error(fmt::format("{}: CRC mismatch (stored 0x{:08x}, computed 0x{:08x})", where,
                                e.crc, crc));
    return t;
}

std::vector<std::string> GoldenReader::verify_all() const {
    std::vector<std::string> bad;
    for (size_t i = 0; i < entries_.size(); ++i) {
        try {
            read_entry(i);
        } catch (const Error& e) {
            bad.emplace_back(e.what());
        }
    }
    return bad;
}

}  // namespace flexllm::golden
