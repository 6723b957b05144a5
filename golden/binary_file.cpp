// BinaryFile and AtomicFile: the shared file I/O of the golden formats.
#include "golden/binary_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "golden/error.h"

namespace flexllm::golden {

std::string errno_str() { return std::strerror(errno); }

// ---------------------------------------------------------------------------------------------
// BinaryFile

BinaryFile::BinaryFile(std::string path, std::string_view kind)
    : path_(std::move(path)), f_(nullptr, &std::fclose) {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec))
        throw Error(fmt::format("{}: cannot open {}: is a directory", path_, kind));
    f_.reset(std::fopen(path_.c_str(), "rb"));
    if (!f_) throw Error(fmt::format("{}: cannot open {}: {}", path_, kind, errno_str()));
    if (fseeko(f_.get(), 0, SEEK_END) != 0)
        throw Error(fmt::format("{}: cannot seek: {}", path_, errno_str()));
    const off_t size = ftello(f_.get());
    if (size < 0) throw Error(fmt::format("{}: cannot tell size: {}", path_, errno_str()));
    size_ = static_cast<uint64_t>(size);
}

void BinaryFile::read_at(uint64_t offset, void* dst, size_t n, std::string_view what) {
    if (fseeko(f_.get(), static_cast<off_t>(offset), SEEK_SET) != 0)
        throw Error(fmt::format("{}: cannot seek to byte {}: {}", path_, offset, errno_str()));
    const size_t got = n == 0 ? 0 : std::fread(dst, 1, n, f_.get());
    if (got != n) {
        if (std::ferror(f_.get()))
            throw Error(fmt::format("{}: read error in {}: {}", path_, what, errno_str()));
        throw Error(
            fmt::format("{}: truncated: {} ends after {} of {} bytes", path_, what, got, n));
    }
}

// ---------------------------------------------------------------------------------------------
// AtomicFile

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp"), f_(nullptr, &std::fclose) {
    f_.reset(std::fopen(tmp_.c_str(), "wb"));
    if (!f_) throw Error(fmt::format("{}: cannot create: {}", tmp_, errno_str()));
}

AtomicFile::~AtomicFile() {
    if (committed_) return;
    f_.reset();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
}

void AtomicFile::seek(uint64_t offset) {
    if (fseeko(f_.get(), static_cast<off_t>(offset), SEEK_SET) != 0)
        throw Error(fmt::format("{}: cannot seek: {}", tmp_, errno_str()));
}

void AtomicFile::write(const void* data, size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, f_.get()) != n)
        throw Error(fmt::format("{}: cannot write: {}", tmp_, errno_str()));
}

void AtomicFile::commit() {
    if (!f_) throw Error(fmt::format("{}: internal error: already committed or closed", tmp_));
    // Released first: a failed fclose has still closed the stream, and must not run twice.
    if (std::fclose(f_.release()) != 0)
        throw Error(fmt::format("{}: cannot write: {}", tmp_, errno_str()));
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw Error(fmt::format("{}: cannot rename {}: {}", path_, tmp_, ec.message()));
    committed_ = true;
}

}  // namespace flexllm::golden
