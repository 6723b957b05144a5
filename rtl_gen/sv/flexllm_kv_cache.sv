// Hand-written (not generated) SystemVerilog: flexllm_kv_cache, the on-chip int8 K (or V) cache of
// one layer (NUMERICS.md 2.6: codes stored per (KV head, position, dim) exactly as produced; decode
// reads back the bytes prefill wrote). K byte-lane banks, bank = position % K, each with its own
// address (row * KVD_MAX + kv_head * head_dim + d, row = position / K), so writing a position never
// disturbs the other positions of its word. One command per s_axis_cmd beat:
//   WRITE (op 0): tokens pos0 .. pos0 + count - 1 arrive on s_axis_x in groups of T (the last may
//   be partial: padding tokens are ignored), cfg_kv_dim / L beats per group. A beat is buffered and
//   written one lane per cycle (L cycles; the T tokens of a lane go to T different banks at once).
//   READ (op 1): positions 0 .. count - 1 of every KV head leave on m_axis_kv, one word (K
//   consecutive positions of one (KV head, d)) per cycle, for each KV head, each block of K
//   positions, each d; positions >= count are 0 (masked, never the memory's contents). The banks'
//   read registers (enabled while the output is free) are the output register: a word is valid 1
//   cycle after its read issues.
// count = 0 is a no-op. Without stalls or gaps, with G = ceil(count / T), B = ceil(count / K) and
// cycle 0 the command beat accepted: a WRITE accepts its x beats in cycles 1, 1 + L, ...,
// 1 + G * cfg_kv_dim - L, writes its last lane in cycle G * cfg_kv_dim + 1 and accepts the next
// command in that cycle (G * cfg_kv_dim + 1 cycles per WRITE); a READ issues its B * cfg_kv_dim
// words in cycles 1 .. B * cfg_kv_dim and has its last word accepted in cycle B * cfg_kv_dim + 1:
// B * cfg_kv_dim + 2 cycles from its command beat accepted to its last output beat accepted (both
// counted); the next command is accepted in that last cycle (B * cfg_kv_dim + 1 cycles per READ).
// A WRITE followed by a READ: G_w * cfg_kv_dim + B_r * cfg_kv_dim + 3 cycles (both counted).
module flexllm_kv_cache #(
    parameter int T = 4,          // tokens per write beat, 1 <= T <= K
    parameter int L = 1,          // lanes (consecutive elements of one token) per write beat
    parameter int K = 4,          // keys per word: consecutive positions per read beat = banks
    parameter int HD_MAX = 16,    // largest head_dim
    parameter int KVD_MAX = 32,   // largest kv_dim = kv_heads * head_dim
    parameter int P_MAX = 256,    // positions, a multiple of K, at most 65535
    parameter int FAULT = 0       // 0 none, 1 clobber-word (each lane write also writes 0 to the
                                  // banks it does not cover, in the word of its first position:
                                  // an append zeroes the earlier positions of its word),
                                  // 2 drop-stalled (reads issue while the output stalls and
                                  // overwrite the held word: words lost)
) (
    input  logic              clk,
    input  logic              rst,               // synchronous, active high
    input  logic [15:0]       cfg_kv_dim,        // kv_heads * head_dim, a multiple of L and of
                                                 // cfg_head_dim, at most KVD_MAX
    input  logic [15:0]       cfg_head_dim,      // head_dim, 1..HD_MAX
    input  logic              s_axis_cmd_tvalid,
    output logic              s_axis_cmd_tready,
    input  logic [32:0]       s_axis_cmd_tdata,  // {op[32], count[31:16], pos0[15:0]}
    input  logic              s_axis_cmd_tlast,  // 1 (every command is one beat)
    input  logic              s_axis_x_tvalid,
    output logic              s_axis_x_tready,
    input  logic [T*L*8-1:0]  s_axis_x_tdata,    // element t * L + l: row element b * L + l of
                                                 // token t of the group, int8
    input  logic              s_axis_x_tlast,    // last beat of a group
    output logic              m_axis_kv_tvalid,
    input  logic              m_axis_kv_tready,
    output logic [K*8-1:0]    m_axis_kv_tdata,   // element k: position blk * K + k at (kv_head, d)
    output logic              m_axis_kv_tlast,   // last word of a READ
    output logic              status_err         // sticky: an input tlast off the last beat
);
    localparam int NE = T * L;
    localparam int ROWS = P_MAX / K;                     // words per (KV head, d)
    localparam int DEPTH = ROWS * KVD_MAX;               // bytes per bank
    localparam int AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
    localparam int KW = K > 1 ? $clog2(K) : 1;
    localparam int LW = L > 1 ? $clog2(L) : 1;
    localparam int TW = $clog2(T + 1);
    localparam int HW = HD_MAX > 1 ? $clog2(HD_MAX) : 1;
    localparam int EW = KVD_MAX > 1 ? $clog2(KVD_MAX) : 1;
    localparam bit KPOW2 = (K & (K - 1)) == 0;
    localparam logic [AW-1:0] kRowStep = AW'(KVD_MAX);  // address step of one row

    typedef enum logic [1:0] {
        S_IDLE,
        S_WRITE,
        S_READ
    } state_t;

    state_t state;
    logic err;
    logic [15:0] cnt;             // the command's count

    // ---- command decode ---------------------------------------------------------------------
    wire cmd_op = s_axis_cmd_tdata[32];
    wire [15:0] cmd_count = s_axis_cmd_tdata[31:16];
    wire [15:0] cmd_pos0 = s_axis_cmd_tdata[15:0];
    logic [15:0] pos_row;         // pos0 / K
    logic [KW-1:0] pos_off;       // pos0 % K
    if (KPOW2) begin : g_pow2
        if (K > 1) begin : g_split
            assign pos_row = cmd_pos0 >> KW;
            assign pos_off = cmd_pos0[KW-1:0];
        end else begin : g_one
            assign pos_row = cmd_pos0;
            assign pos_off = 1'b0;
        end
    end else begin : g_div
        assign pos_row = cmd_pos0 / 16'(K);
        assign pos_off = KW'(cmd_pos0 % 16'(K));
    end
    wire [AW-1:0] pos_base = AW'(32'(pos_row) * 32'(KVD_MAX));

    // ---- write: x accept side (group counters of the next beat) --------------------------------
    logic in_active;              // x beats still expected
    logic [15:0] in_elem;         // row element of the next beat's lane 0
    logic [15:0] in_rem;          // tokens left, this group included
    logic [AW-1:0] g_base;        // address of the group's first position's row
    logic [KW-1:0] g_off;         // bank of the group's first position
    wire in_last_beat = (in_elem + 16'(L) == cfg_kv_dim);
    wire in_last_group = (in_rem <= 16'(T));
    wire [TW-1:0] g_ntok = in_last_group ? TW'(in_rem) : TW'(T);
    wire [KW:0] g_off_next = {1'b0, g_off} + (KW + 1)'(T);  // < 2K

    // ---- write: buffered beat, written one lane per cycle --------------------------------------
    logic xb_full, xb_final;      // final: the command's last beat
    logic [NE*8-1:0] xb_data;
    logic [EW-1:0] xb_elem;
    logic [AW-1:0] xb_base;
    logic [KW-1:0] xb_off;
    logic [TW-1:0] xb_ntok;
    logic [LW-1:0] lane;
    wire lane_last = (lane == LW'(L - 1));
    wire wr_done = xb_full && lane_last && xb_final;  // the command's last memory write

    assign s_axis_x_tready = in_active && (!xb_full || lane_last);
    wire x_fire = s_axis_x_tvalid && s_axis_x_tready;
    assign s_axis_cmd_tready = (state == S_IDLE) || (state == S_WRITE && wr_done);
    wire cmd_fire = s_axis_cmd_tvalid && s_axis_cmd_tready;

    logic [T*8-1:0] lane_bytes;   // byte t: lane `lane` of token t of the buffered beat
    always_comb begin
        lane_bytes = '0;
        for (int t = 0; t < T; t++)
            for (int l = 0; l < L; l++)
                if (lane == LW'(l)) lane_bytes[t*8+:8] = xb_data[(t*L+l)*8+:8];
    end
    wire [AW-1:0] wa_lo = xb_base + AW'(xb_elem) + AW'(lane);  // row of the first position
    wire [AW-1:0] wa_hi = wa_lo + kRowStep;                     // the next row

    // ---- read: issue counters ---------------------------------------------------------------
    logic [HW-1:0] rd_d;
    logic [15:0] rd_kh;           // kv_head * head_dim
    logic [AW-1:0] rd_row;        // block * KVD_MAX
    logic [15:0] rd_rem;          // count - block * K: positions left in this head
    logic kv_valid, kv_last;
    logic [K-1:0] kv_mask;        // lanes of the output word inside count
    wire free = (FAULT == 2) ? 1'b1 : (!kv_valid || m_axis_kv_tready);
    wire issue = (state == S_READ) && free;
    wire rd_last_d = (16'(rd_d) + 16'd1 == cfg_head_dim);
    wire rd_last_blk = (rd_rem <= 16'(K));
    wire rd_last_kh = (rd_kh + cfg_head_dim == cfg_kv_dim);
    wire rd_last = rd_last_d && rd_last_blk && rd_last_kh;
    wire [AW-1:0] ra = rd_row + AW'(rd_kh) + AW'(rd_d);

    for (genvar k = 0; k < K; k++) begin : g_bank
        logic [7:0] bank_mem[DEPTH];
        logic [7:0] rd_q;
        wire [KW:0] diff = (KW + 1)'(k) - {1'b0, xb_off};
        wire hi = diff[KW];  // bank before the first position: its token is in the next row
        wire [KW:0] tk = hi ? diff + (KW + 1)'(K) : diff;  // the token written to this bank
        wire tok_ok = (32'(tk) < 32'(xb_ntok));  // token tk of the beat is a real one
        logic [7:0] wbyte;
        always_comb begin
            wbyte = 8'h00;
            for (int t = 0; t < T; t++)
                if (32'(tk) == t) wbyte = lane_bytes[t*8+:8];
        end
        wire wen = xb_full && (tok_ok || FAULT == 1);
        wire [AW-1:0] wa = (tok_ok && hi) ? wa_hi : wa_lo;

        always_ff @(posedge clk) begin
            if (wen) bank_mem[wa] <= tok_ok ? wbyte : 8'h00;
        end
        always_ff @(posedge clk) begin
            if (issue) rd_q <= bank_mem[ra];
        end
        assign m_axis_kv_tdata[k*8+:8] = rd_q & {8{kv_mask[k]}};
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            in_active <= 1'b0;
            xb_full <= 1'b0;
            lane <= '0;
            kv_valid <= 1'b0;
            kv_last <= 1'b0;
            kv_mask <= '0;
            err <= 1'b0;
        end else begin
            // write side: one lane of the buffered beat per cycle
            if (xb_full) begin
                lane <= lane_last ? '0 : lane + LW'(1);
                if (lane_last) begin
                    xb_full <= 1'b0;
                    if (xb_final) state <= S_IDLE;
                end
            end
            if (x_fire) begin
                if (s_axis_x_tlast != in_last_beat) err <= 1'b1;
                xb_full <= 1'b1;
                xb_data <= s_axis_x_tdata;
                xb_elem <= EW'(in_elem);
                xb_base <= g_base;
                xb_off <= g_off;
                xb_ntok <= g_ntok;
                xb_final <= in_last_beat && in_last_group;
                if (in_last_beat) begin
                    in_elem <= 16'd0;
                    in_rem <= in_rem - 16'(T);
                    if (in_last_group) in_active <= 1'b0;
                    if (g_off_next >= (KW + 1)'(K)) begin
                        g_off <= KW'(g_off_next - (KW + 1)'(K));
                        g_base <= g_base + kRowStep;
                    end else begin
                        g_off <= KW'(g_off_next);
                    end
                end else begin
                    in_elem <= in_elem + 16'(L);
                end
            end
            // read side: issue a word into the banks' read registers when the output is free
            if (m_axis_kv_tready) kv_valid <= 1'b0;
            if (issue) begin
                kv_valid <= 1'b1;
                kv_last <= rd_last;
                for (int k = 0; k < K; k++) kv_mask[k] <= (16'(k) < rd_rem);
                if (!rd_last_d) begin
                    rd_d <= rd_d + HW'(1);
                end else begin
                    rd_d <= '0;
                    if (!rd_last_blk) begin
                        rd_row <= rd_row + kRowStep;
                        rd_rem <= rd_rem - 16'(K);
                    end else begin
                        rd_row <= '0;
                        rd_rem <= cnt;
                        rd_kh <= rd_kh + cfg_head_dim;
                        if (rd_last_kh) state <= S_IDLE;
                    end
                end
            end
            // a new command (accepted in S_IDLE or in a WRITE's last write cycle)
            if (cmd_fire) begin
                if (!s_axis_cmd_tlast) err <= 1'b1;
                cnt <= cmd_count;
                if (cmd_count == 16'd0) begin
                    state <= S_IDLE;
                end else if (!cmd_op) begin
                    state <= S_WRITE;
                    in_active <= 1'b1;
                    in_elem <= 16'd0;
                    in_rem <= cmd_count;
                    g_base <= pos_base;
                    g_off <= pos_off;
                end else begin
                    state <= S_READ;
                    rd_d <= '0;
                    rd_kh <= 16'd0;
                    rd_row <= '0;
                    rd_rem <= cmd_count;
                end
            end
        end
    end

    assign m_axis_kv_tvalid = kv_valid;
    assign m_axis_kv_tlast = kv_last;
    assign status_err = err;
endmodule
