// Hand-written (not generated) SystemVerilog primitive: flexllm_divu, bit-serial unsigned divider.
// quotient = floor(dividend / divisor), unsigned, by restoring division, one quotient bit per
// cycle: start samples the operands, done is high for one cycle QW + 1 cycles after the start cycle
// (data-independent) and the quotient then holds until the next start. Requires
// dividend >> QW < divisor (the quotient fits in QW bits; the high NW - QW dividend bits seed the
// partial remainder), 2 <= QW <= NW and NW - QW <= DW.
module flexllm_divu #(
    parameter int NW = 32,  // dividend width
    parameter int DW = 32,  // divisor width
    parameter int QW = 32   // quotient width = cycles per division
) (
    input  logic          clk,
    input  logic          rst,
    input  logic          start,
    input  logic [NW-1:0] dividend,
    input  logic [DW-1:0] divisor,
    output logic [QW-1:0] quotient,
    output logic          done
);
    localparam int CW = $clog2(QW + 1);

    logic [DW-1:0] den, rem;
    logic [CW-1:0] cnt;

    // The quotient register shifts the low dividend bits out at the top and quotient bits in.
    wire [DW:0] rem_sh = {rem, quotient[QW-1]};
    wire [DW-1:0] rem_sub = DW'(rem_sh - {1'b0, den});  // < divisor when it fits
    wire fits = rem_sh >= {1'b0, den};

    always_ff @(posedge clk) begin
        if (rst) begin
            cnt <= '0;
            done <= 1'b0;
        end else begin
            done <= (cnt == CW'(1)) && !start;
            if (start) begin
                rem <= DW'(dividend >> QW);
                quotient <= dividend[QW-1:0];
                den <= divisor;
                cnt <= CW'(QW);
            end else if (cnt != '0) begin
                rem <= fits ? rem_sub : rem_sh[DW-1:0];
                quotient <= {quotient[QW-2:0], fits};
                cnt <= cnt - CW'(1);
            end
        end
    end
endmodule
