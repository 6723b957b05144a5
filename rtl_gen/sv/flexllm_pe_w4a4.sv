// Hand-written RTL primitive (rtl_gen/sv/, copied beside every generated top that uses it).
// W4A4 processing element: uint4 code x int4 weight into an int32 accumulator; sum_next is the
// sum including this step's product (what a drain bank loads on the last step).
module flexllm_pe_w4a4 (
    input  logic clk,
    input  logic en,               // a valid (code, weight) pair this step
    input  logic first,            // k == 0: the pair starts a new sum
    input  logic [3:0] a,          // uint4 activation code
    input  logic [3:0] w,          // int4 weight
    output logic [31:0] sum_next   // the sum including this step's product
);
    logic signed [31:0] acc;
    wire signed [8:0] prod = $signed({5'b0, a}) * $signed({{5{w[3]}}, w});
    assign sum_next = (first ? 32'sd0 : acc) + {{23{prod[8]}}, prod};
    always_ff @(posedge clk) begin
        if (en) acc <= sum_next;
    end
endmodule
