// Resource estimate: memory mapping, DSP tiling and packing, capacity check.
#include "tb/perf/resources.h"

#include <gtest/gtest.h>

#include "hls_src/arch_config.h"
#include "tb/perf/options.h"

namespace flexllm::perf {
namespace {

const ResourceLine& line(const ResourceEstimate& e, const std::string& unit) {
    for (const auto& l : e.lines)
        if (l.unit == unit) return l;
    ADD_FAILURE() << "no line " << unit;
    static ResourceLine none;
    return none;
}

TEST(Resources, BuffersMapToTheCheaperMemory) {
    // 256 x 2048: BRAM as 18 x 2048 -> ceil(256/18) = 15 blocks; URAM 4 x 1 (= 32 BRAM of bits).
    MemBlocks b = map_buffer(256, 2048);
    EXPECT_EQ(b.bram36, 15);
    EXPECT_EQ(b.uram, 0);
    // 256 x 8192: deep -> URAM, ceil(256/72) = 4 wide x 2 deep = 8.
    b = map_buffer(256, 8192);
    EXPECT_EQ(b.uram, 8);
    EXPECT_EQ(b.bram36, 0);
    // 72 x 4096, 3 copies: one URAM each.
    b = map_buffer(72, 4096, 3);
    EXPECT_EQ(b.uram, 3);
    // 8 x 100: one BRAM.
    b = map_buffer(8, 100);
    EXPECT_EQ(b.bram36, 1);
}

TEST(Resources, MultipliersTileOverTheDsp) {
    const FpgaDevice u280 = load_fpga_device("u280");  // DSP48E2 27 x 18
    EXPECT_EQ(u280.dsps_for_mult(32, 32), 4);          // ceil(31/26) * ceil(31/17)
    EXPECT_EQ(u280.dsps_for_mult(72, 17), 3);          // ceil(71/26) * 1
    EXPECT_EQ(u280.dsps_for_mult(16, 16), 1);
    const FpgaDevice v80 = load_fpga_device("v80");  // DSP58 27 x 24
    EXPECT_EQ(v80.dsps_for_mult(32, 32), 4);         // ceil(31/26) * ceil(31/23)
    EXPECT_EQ(v80.dsps_for_mult(24, 20), 1);
}

TEST(Resources, EngineDspsFromMacsPackingAndDequant) {
    const ResourceEstimate e =
        estimate_resources(load_design("llama-3.2-1b", "u280_mem_opt"), 2048);
    // K|Q: 8 x 24 = 192 int4 MACs / 4 per DSP = 48; dequant of 24 channels per output beat:
    // 24 x (32x32: 4 + 72x17: 3) = 168 -> 216.
    EXPECT_EQ(line(e, "prefill K|Q engine").dsp, 216);
    // Decode GEMV: 16 x 64 = 1024 MACs / 4 = 256; dequant 64 x 7 = 448 -> 704.
    EXPECT_EQ(line(e, "decode GEMV engine").dsp, 704);
    // Its 16 weight FIFOs of 64 x 4 bits x 512: 4 BRAM each (72 x 512), activations 8 x 4 bits
    // x 1024 beats: 1 BRAM.
    EXPECT_EQ(line(e, "decode GEMV engine").bram36, 16 * 4 + 1);
    EXPECT_TRUE(e.fits);
    EXPECT_LT(e.dsp_util, 0.5);
}

TEST(Resources, OversizedDesignsDoNotFit) {
    Design d = load_design("llama-3.2-1b", "u280_mem_opt");
    d.arch.decode.bp = 128;
    d.arch.decode.wp = 256;  // 32768 MACs / 4 = 8192 DSPs for the GEMV alone
    const ResourceEstimate e = estimate_resources(d, 2048);
    EXPECT_FALSE(e.fits);
    EXPECT_EQ(e.binding, "dsp");
    EXPECT_GT(e.dsp, d.device.dsp);
}

TEST(Resources, LongContextScoreBuffersGrowWithPositions) {
    const Design d = load_design("llama-3.2-1b", "u280_mem_opt");
    const ResourceEstimate short_ctx = estimate_resources(d, 2048);
    const ResourceEstimate long_ctx = estimate_resources(d, 63360);
    const auto mem_of = [](const ResourceLine& l) { return l.bram36 + 8 * l.uram; };
    EXPECT_GT(mem_of(line(long_ctx, "prefill attention")),
              4 * mem_of(line(short_ctx, "prefill attention")));
}

TEST(Resources, UnstatedMemoriesAreNotChecked) {
    const ResourceEstimate e = estimate_resources(load_design("llama-3.2-1b", "v80_mem_opt"), 2048);
    EXPECT_EQ(e.bram_util, 0);
    EXPECT_EQ(e.uram_util, 0);
    EXPECT_TRUE(e.fits);
}

}  // namespace
}  // namespace flexllm::perf
