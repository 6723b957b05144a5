// Hand-written RTL primitive (rtl_gen/sv/, copied beside every generated top that uses it).
// W4A4 processing element: uint4 code x int4 weight into an ACC_W-bit accumulator; sum_next is
// the sum including this step's product (what a drain bank loads on the last step), sign-extended
// to int32. The generator sizes ACC_W for the longest reduction (rtlgen::signed_sum_width with
// |product| <= 120), so the accumulator is exact and no wider than it must be.
module flexllm_pe_w4a4 #(
    parameter int ACC_W = 32       // 9..32
) (
    input  logic clk,
    input  logic en,               // a valid (code, weight) pair this step
    input  logic first,            // k == 0: the pair starts a new sum
    input  logic [3:0] a,          // uint4 activation code
    input  logic [3:0] w,          // int4 weight
    output logic [31:0] sum_next   // the sum including this step's product
);
    logic signed [ACC_W-1:0] acc;
    wire signed [8:0] prod = $signed({5'b0, a}) * $signed({{5{w[3]}}, w});
    wire signed [ACC_W-1:0] sum = (first ? ACC_W'(0) : acc) + ACC_W'(prod);
    assign sum_next = 32'(sum);
    always_ff @(posedge clk) begin
        if (en) acc <= sum;
    end
endmodule
