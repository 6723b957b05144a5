// File I/O shared by the golden formats (.gv container, safetensors): a reader that knows its size
// and reads exact byte ranges, and a writer that publishes a file only once it is complete. Every
// failure is an Error naming the file and what was being done, on one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace flexllm::golden {

// strerror(errno), for messages.
std::string errno_str();

// A file open for reading, its size taken when opened.
class BinaryFile {
  public:
    // Opens `path`; `kind` names the file in errors: "{path}: cannot open {kind}: {reason}" (a
    // directory is refused the same way).
    BinaryFile(std::string path, std::string_view kind);

    const std::string& path() const { return path_; }
    uint64_t size() const { return size_; }

    // Reads exactly `n` bytes at `offset` into `dst`. A short read is "{path}: truncated: {what}
    // ends after {got} of {n} bytes"; a read error is "{path}: read error in {what}: {reason}".
    void read_at(uint64_t offset, void* dst, size_t n, std::string_view what);

  private:
    std::string path_;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f_;
    uint64_t size_ = 0;
};

// Writes `path` atomically: the bytes go to `path`.tmp, which commit() closes and renames over
// `path`. Until commit() succeeds the destructor closes and removes the .tmp file, so a failure
// (an exception anywhere before or in commit()) leaves no partial file behind.
class AtomicFile {
  public:
    // Creates `path`.tmp: "{tmp}: cannot create: {reason}".
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // The file being written (`path`.tmp); errors while writing name it.
    const std::string& tmp_path() const { return tmp_; }

    // Moves the write position to `offset` (past the end leaves a hole).
    void seek(uint64_t offset);
    void write(const void* data, size_t n);
    // Closes the .tmp file and renames it to `path`.
    void commit();

  private:
    std::string path_;
    std::string tmp_;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f_;
    bool committed_ = false;
};

}  // namespace flexllm::golden
