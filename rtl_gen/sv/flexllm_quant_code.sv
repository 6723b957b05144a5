// Hand-written RTL primitive (rtl_gen/sv/, copied beside every generated top that uses it).
// quant_token code unit (golden/NUMERICS.md §2.2): q = min(15, rshift_rnd((x - zero) * inv * 15,
// 48)) with inv = floor(2^48 / range).
module flexllm_quant_code (
    input  logic [31:0] x,     // int32 activation
    input  logic [31:0] zero,  // int32 token minimum
    input  logic [48:0] inv,   // floor(2^48 / range)
    output logic [3:0] q       // uint4 code
);
    wire [31:0] off = x - zero;
    wire [80:0] prod = {49'd0, off} * {32'd0, inv};
    // verilator lint_off UNUSEDSIGNAL
    wire [85:0] rnd = {5'd0, prod} * 86'd15 + (86'd1 << 47);
    // verilator lint_on UNUSEDSIGNAL
    assign q = (rnd[85:48] > 38'd15) ? 4'd15 : rnd[51:48];
endmodule
