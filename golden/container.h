// Golden-vector container (.gv): one file holding a metadata JSON string and named tensors, each
// zlib-compressed and CRC32-checked, with an index for random access by name. Byte layout and
// error behaviour: golden/README.md, "Golden-vector container (.gv)".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "golden/tensor.h"

namespace flexllm::golden {

inline constexpr uint32_t kGoldenFormatVersion = 1;
inline constexpr size_t kGoldenHeaderBytes = 32;

// Writes `tensors` (in order) and `meta_json` (stored verbatim) to `path`. The file appears only
// when complete (written to `path`.tmp, then renamed). Throws Error on duplicate or invalid names,
// data size not matching shape x dtype, or an I/O failure.
void write_golden(const std::string& path, const std::string& meta_json,
                  const std::vector<Tensor>& tensors);

// Opens a .gv file and reads its header and index; tensors are read (and decompressed) on demand.
// Every problem with the file is an Error naming the file and the problem on one line.
class GoldenReader {
  public:
    struct Entry {
        std::string name;
        DType dtype;
        std::vector<int64_t> shape;
        uint64_t raw_bytes;     // uncompressed size (numel x dtype size)
        uint64_t stored_bytes;  // zlib stream size in the file
        uint32_t crc;           // CRC32 of the uncompressed bytes
    };

    // Checks magic, version, header and index CRCs, every entry against the file size; throws
    // Error.
    explicit GoldenReader(const std::string& path);

    const std::string& path() const { return path_; }
    const std::string& meta_json() const { return meta_json_; }
    std::vector<std::string> names() const;  // in file order
    bool has(std::string_view name) const;
    // Reads, decompresses and CRC-checks one tensor; throws Error (missing, corrupt, truncated).
    Tensor read(std::string_view name) const;
    const std::vector<Entry>& entries() const { return entries_; }
    // Reads every tensor; one line per bad tensor, empty when all are good.
    std::vector<std::string> verify_all() const;

  private:
    Tensor read_entry(size_t index) const;

    std::string path_;
    std::string meta_json_;
    std::vector<Entry> entries_;
    std::vector<uint64_t> offsets_;  // absolute file offset of each entry's zlib stream
    std::map<std::string, size_t, std::less<>> by_name_;
};

}  // namespace flexllm::golden
