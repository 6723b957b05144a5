// Hand-written (not generated) SystemVerilog primitive: flexllm_isqrt, bit-serial integer sqrt.
// root = floor(sqrt(radicand)) exactly (restoring digit-by-digit method, one root bit per cycle):
// start samples the radicand, done is high for one cycle (RW + 1) / 2 + 1 cycles after the start
// cycle (data-independent) and the root then holds until the next start. Requires RW >= 3.
module flexllm_isqrt #(
    parameter int RW = 32  // radicand width; the root has (RW + 1) / 2 bits
) (
    input  logic                      clk,
    input  logic                      rst,
    input  logic                      start,
    input  logic [RW-1:0]             radicand,
    output logic [(RW + 1) / 2 - 1:0] root,
    output logic                      done
);
    localparam int OW = (RW + 1) / 2;
    localparam int CW = $clog2(OW + 1);

    logic [2*OW-1:0] rad;  // radicand bits not yet consumed, two per step from the top
    logic [OW:0] rem;      // radicand prefix - root^2 <= 2 * root
    logic [CW-1:0] cnt;

    wire [OW+2:0] rem_sh = {rem, rad[2*OW-1-:2]};
    wire [OW+2:0] trial = {1'b0, root, 2'b01};  // 4 * root + 1
    wire [OW:0] rem_sub = (OW + 1)'(rem_sh - trial);  // <= 2 * root when it fits
    wire fits = rem_sh >= trial;

    always_ff @(posedge clk) begin
        if (rst) begin
            cnt <= '0;
            done <= 1'b0;
        end else begin
            done <= (cnt == CW'(1)) && !start;
            if (start) begin
                rad <= (2 * OW)'(radicand);
                rem <= '0;
                root <= '0;
                cnt <= CW'(OW);
            end else if (cnt != '0) begin
                rad <= {rad[2*OW-3:0], 2'b00};
                rem <= fits ? rem_sub : rem_sh[OW:0];
                root <= {root[OW-2:0], fits};
                cnt <= cnt - CW'(1);
            end
        end
    end
endmodule
