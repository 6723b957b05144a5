// The decode residual add of tiny_a (golden/NUMERICS.md §2.11: z = sat32(x + y) per int32
// element), written by hand to the port rules of a Vitis HLS export of
//
//   void residual_vitis(hls::stream<ap_axiu<128, 0, 0, 0>>& x, hls::stream<ap_axiu<128, 0, 0, 0>>& y,
//                       hls::stream<ap_axiu<128, 0, 0, 0>>& z, ap_uint<16> d);
//   #pragma HLS INTERFACE mode=axis port=x,y,z
//   #pragma HLS INTERFACE mode=ap_none port=d
//   #pragma HLS INTERFACE mode=ap_ctrl_hs port=return
//
// ap_clk, ap_rst_n (active low), the block protocol ap_start/ap_done/ap_idle/ap_ready, AXI-Stream
// <arg>_TDATA/_TVALID/_TREADY/_TLAST. One call adds d / 4 beats of four int32 lanes (lane 0 in
// bits 31:0), one beat per cycle; TLAST marks the call's last beat.
module residual_vitis (
    input  wire         ap_clk,
    input  wire         ap_rst_n,
    input  wire         ap_start,
    output wire         ap_done,
    output wire         ap_idle,
    output wire         ap_ready,
    input  wire [127:0] x_TDATA,
    input  wire         x_TVALID,
    output wire         x_TREADY,
    input  wire         x_TLAST,
    input  wire [127:0] y_TDATA,
    input  wire         y_TVALID,
    output wire         y_TREADY,
    input  wire         y_TLAST,
    output wire [127:0] z_TDATA,
    output wire         z_TVALID,
    input  wire         z_TREADY,
    output wire         z_TLAST,
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

    reg         running;  // a call is in progress
    reg  [15:0] left;     // beats of the call still to take
    reg         z_valid, z_last, done;
    reg [127:0] z_data;

    wire free = !z_valid || z_TREADY;  // the output register is empty or being read
    wire take = running && x_TVALID && y_TVALID && free;
    assign x_TREADY = running && y_TVALID && free;
    assign y_TREADY = running && x_TVALID && free;

    wire [127:0] sum = {sat_add(x_TDATA[127:96], y_TDATA[127:96]),
                        sat_add(x_TDATA[95:64], y_TDATA[95:64]),
                        sat_add(x_TDATA[63:32], y_TDATA[63:32]),
                        sat_add(x_TDATA[31:0], y_TDATA[31:0])};

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            running <= 1'b0;
            left <= 16'd0;
            z_valid <= 1'b0;
            z_last <= 1'b0;
            done <= 1'b0;
        end else begin
            done <= 1'b0;
            if (z_TREADY) z_valid <= 1'b0;
            if (!running && ap_start && d >= 16'd4) begin
                running <= 1'b1;
                left <= d >> 2;
            end
            if (take) begin
                z_valid <= 1'b1;
                z_data <= sum;
                z_last <= left == 16'd1;
                left <= left - 16'd1;
                if (left == 16'd1) begin
                    running <= 1'b0;
                    done <= 1'b1;
                end
            end
        end
    end

    assign z_TDATA = z_data;
    assign z_TVALID = z_valid;
    assign z_TLAST = z_last;
    assign ap_done = done;
    assign ap_ready = done;
    assign ap_idle = !running;
endmodule
