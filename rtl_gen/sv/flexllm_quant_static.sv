// Hand-written (not generated) SystemVerilog: flexllm_quant_static, the static int8 quantizer of
// Q, K and V (golden/NUMERICS.md §2.5): q = clamp(rshift_rnd(x * m_h, shift_h), -128, 127) with
// one Multiplier {m, shift} per head h (elements [h * head_dim, (h + 1) * head_dim) of a row). Per
// group: cfg_d / cfg_head_dim multiplier beats are stored, then cfg_d / L beats of T x L int32 pass
// through one output register, one beat per cycle. Without stalls, G groups take
// G * (cfg_d / cfg_head_dim + cfg_d / L) + 1 cycles from the first input beat accepted (on any
// port) to the last output beat accepted (both counted).
module flexllm_quant_static #(
    parameter int T = 4,       // tokens per beat
    parameter int L = 1,       // lanes (consecutive elements of one token) per beat
    parameter int HMAX = 64,   // most heads a row can have (cfg_d / cfg_head_dim <= HMAX)
    parameter int FAULT = 0    // 0 none, 1 no-round (truncates instead of rounding half up),
                               // 2 lose-stalled (x taken while the output stalls: beats lost)
) (
    input  logic              clk,
    input  logic              rst,              // synchronous, active high
    input  logic [15:0]       cfg_d,            // row length, a multiple of cfg_head_dim
    input  logic [15:0]       cfg_head_dim,     // a multiple of L
    input  logic              s_axis_m_tvalid,
    output logic              s_axis_m_tready,
    input  logic [21:0]       s_axis_m_tdata,   // {shift[5:0] (0..62), m[15:0]}, one beat per head
    input  logic              s_axis_m_tlast,   // last head of a group
    input  logic              s_axis_x_tvalid,
    output logic              s_axis_x_tready,
    input  logic [T*L*32-1:0] s_axis_x_tdata,   // element t * L + l: lane l of token t, int32
    input  logic              s_axis_x_tlast,   // last beat of a group
    output logic              m_axis_q_tvalid,
    input  logic              m_axis_q_tready,
    output logic [T*L*8-1:0]  m_axis_q_tdata,   // int8 codes, same element order
    output logic              m_axis_q_tlast,
    output logic              status_err        // sticky: an input tlast off the group's last beat
);
    localparam int NE = T * L;
    localparam int HW = HMAX > 1 ? $clog2(HMAX) : 1;

    typedef enum logic {
        S_MULT,
        S_X
    } state_t;

    state_t state;
    logic [21:0] mults[HMAX];
    logic [HW-1:0] head;       // S_MULT: heads stored; S_X: head of the next x beat
    logic [15:0] elems;        // S_MULT: elements of the stored heads; S_X: elements taken
    logic [15:0] head_elems;   // S_X: elements of the current head taken
    logic q_valid, q_last, err;
    logic [NE*8-1:0] q_data, q_next;

    // The output register is free when empty or read this cycle (lose-stalled: always).
    wire free = (FAULT == 2) ? 1'b1 : (!q_valid || m_axis_q_tready);
    assign s_axis_m_tready = (state == S_MULT);
    assign s_axis_x_tready = (state == S_X) && free;
    wire m_fire = s_axis_m_tvalid && s_axis_m_tready;
    wire x_fire = s_axis_x_tvalid && s_axis_x_tready;
    wire last_m = (elems + cfg_head_dim == cfg_d);
    wire last_x = (elems + 16'(L) == cfg_d);
    wire head_end = (head_elems + 16'(L) == cfg_head_dim);

    always_ff @(posedge clk) begin
        if (m_fire) mults[head] <= s_axis_m_tdata;
    end

    wire [21:0] mult = mults[head];
    wire [15:0] m = mult[15:0];
    wire [5:0] shift = mult[21:16];
    // 2^(shift - 1), the rounding bias (none for shift 0; no-round: none at all)
    wire signed [63:0] half = (FAULT == 1 || shift == 6'd0) ? 64'sd0 : 64'sd1 <<< (shift - 6'd1);

    for (genvar e = 0; e < NE; e++) begin : g_lane
        wire signed [31:0] x = s_axis_x_tdata[e*32+:32];
        wire signed [47:0] prod = x * $signed({1'b0, m});  // exact, |x * m| < 2^47
        wire signed [63:0] biased = 64'(prod) + half;       // |.| < 2^62
        wire signed [63:0] y = biased >>> shift;
        assign q_next[e*8+:8] = (y > 64'sd127) ? 8'h7f : (y < -64'sd128) ? 8'h80 : y[7:0];
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_MULT;
            head <= '0;
            elems <= 16'd0;
            head_elems <= 16'd0;
            q_valid <= 1'b0;
            q_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (m_axis_q_tready) q_valid <= 1'b0;
            case (state)
                S_MULT: begin
                    if (m_fire) begin
                        if (s_axis_m_tlast != last_m) err <= 1'b1;
                        if (last_m) begin
                            state <= S_X;
                            head <= '0;
                            elems <= 16'd0;
                        end else begin
                            head <= head + HW'(1);
                            elems <= elems + cfg_head_dim;
                        end
                    end
                end
                S_X: begin
                    if (x_fire) begin
                        if (s_axis_x_tlast != last_x) err <= 1'b1;
                        q_valid <= 1'b1;
                        q_data <= q_next;
                        q_last <= last_x;
                        if (last_x) begin
                            state <= S_MULT;
                            head <= '0;
                            elems <= 16'd0;
                            head_elems <= 16'd0;
                        end else begin
                            elems <= elems + 16'(L);
                            if (head_end) begin
                                head <= head + HW'(1);
                                head_elems <= 16'd0;
                            end else begin
                                head_elems <= head_elems + 16'(L);
                            end
                        end
                    end
                end
                default: state <= S_MULT;
            endcase
        end
    end

    assign m_axis_q_tvalid = q_valid;
    assign m_axis_q_tdata = q_data;
    assign m_axis_q_tlast = q_last;
    assign status_err = err;
endmodule
