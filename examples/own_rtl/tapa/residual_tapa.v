// The decode residual add of tiny_a (golden/NUMERICS.md §2.11: z = sat32(x + y) per int32
// element), written by hand to the port rules of a TAPA task
//
//   void residual_tapa(tapa::istream<vec4_t>& x, tapa::istream<vec4_t>& y,
//                      tapa::ostream<vec4_t>& z, uint16_t d);   // vec4_t: four int32, 128 bits
//
// in its free-running form (no block protocol): ap_clk, ap_rst_n (active low), FIFO ports
// <p>_dout/_empty_n/_read for inputs and <p>_din/_full_n/_write for outputs, each word 129 bits:
// the data (lane 0 in bits 31:0) and on top TAPA's end-of-transaction flag. Per transaction it
// takes d / 4 words of x and y, writes their sums, then closes z with one end-of-transaction word.
module residual_tapa (
    input  wire         ap_clk,
    input  wire         ap_rst_n,
    input  wire [128:0] x_dout,
    input  wire         x_empty_n,
    output wire         x_read,
    input  wire [128:0] y_dout,
    input  wire         y_empty_n,
    output wire         y_read,
    output wire [128:0] z_din,
    input  wire         z_full_n,
    output wire         z_write,
    input  wire [15:0]  d
);
    function [31:0] sat_add(input [31:0] a, input [31:0] b);
        reg signed [32:0] s;
        begin
            s = $signed({a[31], a}) + $signed({b[31], b});
            if (s > 33'sd2147483647) sat_add = 32'h7fffffff;
            else if (s < -33'sd2147483648) sat_add = 32'h80000000;
            else sat_add = s[31:0];
        end
    endfunction

    reg  [15:0] taken;  // words of the transaction taken so far
    reg         closing;  // all taken: the end-of-transaction word is next
    wire [15:0] words = d >> 2;

    // One word per cycle: a sum while the transaction lasts, then the end-of-transaction word.
    wire sum_ok = !closing && x_empty_n && y_empty_n && z_full_n;
    assign x_read = sum_ok;
    assign y_read = sum_ok;
    assign z_write = sum_ok || (closing && z_full_n);
    assign z_din = closing ? {1'b1, 128'd0}
                           : {1'b0, sat_add(x_dout[127:96], y_dout[127:96]),
                              sat_add(x_dout[95:64], y_dout[95:64]),
                              sat_add(x_dout[63:32], y_dout[63:32]),
                              sat_add(x_dout[31:0], y_dout[31:0])};

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            taken <= 16'd0;
            closing <= 1'b0;
        end else if (closing) begin
            if (z_full_n) closing <= 1'b0;
        end else if (sum_ok) begin
            taken <= taken + 16'd1 == words ? 16'd0 : taken + 16'd1;
            closing <= taken + 16'd1 == words;
        end
    end
endmodule
