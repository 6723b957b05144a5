// Hand-written RTL primitive (rtl_gen/sv/, copied beside every generated top that uses it).
// W4A4 dequant unit (golden/NUMERICS.md §2.3):
// y = sat32(rshift_rnd((range * acc + 15 * zero * rowsum) * m, shift)).
module flexllm_dequant_w4a4 (
    input  logic [31:0] acc,   // int32 accumulator
    input  logic [63:0] zr,    // the token's zero/range word
    input  logic [53:0] cp,    // the channel's parameter word
    output logic [31:0] y      // int32 Q15.16
);
    // The stream words as packed structs (the layouts of hls_src/kernels/beats.h).
    typedef struct packed {
        logic [31:0] range;         // max - min, uint32
        logic signed [31:0] zero;   // token minimum, int32
    } zero_range_t;
    typedef struct packed {
        logic [5:0] shift;           // right shift of the multiplier
        logic [15:0] m;              // 16-bit mantissa
        logic signed [31:0] rowsum;  // sum of the channel's int4 weights
    } chan_param_t;
    zero_range_t t_zr;
    chan_param_t t_cp;
    assign t_zr = zr;
    assign t_cp = cp;
    logic signed [64:0] ra;
    logic signed [67:0] zs;
    logic signed [71:0] t;
    logic signed [89:0] p;
    logic signed [89:0] r;
    // Operand widths trimmed to what the values need: range * acc < 2^63,
    // 15 * zero * rowsum < 2^67, t * m < 2^88.
    always_comb begin
        ra = $signed({1'b0, t_zr.range}) * $signed(acc);
        zs = $signed(t_zr.zero) * $signed(t_cp.rowsum) * 68'sd15;
        t = {{7{ra[64]}}, ra} + {{4{zs[67]}}, zs};
        p = $signed(t) * $signed({1'b0, t_cp.m});
        if (t_cp.shift == 6'd0) r = p;
        else r = (p + (90'sd1 <<< (t_cp.shift - 6'd1))) >>> t_cp.shift;
        if (r > 90'sd2147483647) y = 32'h7fffffff;
        else if (r < -90'sd2147483648) y = 32'h80000000;
        else y = r[31:0];
    end
endmodule
