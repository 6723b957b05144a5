// Hand-written (not generated) SystemVerilog: flexllm_softmax, the integer softmax of one attention
// group (golden/NUMERICS.md §2.8), R query rows x the group's causal keys, int32 scores -> uint8.
// Per row r < nrows (keys j = 0..p_r, p_r = qpos0 + r if TOKEN_ROWS else qpos0): mx = max_j S_j;
// u_j = min(8191, rshift_rnd((mx - S_j) * m, shift)) (exact 48-bit product); e_j =
// rshift_rnd(EXP2[u_j & 255], u_j >> 8) (one flexllm_exp2_rom per element); sum = sum_j e_j;
// inv = floor(2^47 / sum) (one flexllm_divu per row, in parallel, 33 steps); p16_j =
// rshift_rnd(e_j * inv, 31); p8_j = min(255, rshift_rnd(p16_j * 255, 16)); 0 for masked entries.
// Per group: the header (and the multiplier beat, any time before pass 2), then nblk =
// p_last / K + 1 score beats (p_last = p_{nrows-1}) load into a buffer of ceil(P_MAX / K) beats
// while each row's maximum accumulates; pass 2 reads the buffer (one beat per cycle), computes the
// exps through a four-stage pipeline, sums them per row and writes the exps back in place; the
// dividers; pass 3 reads the exps back and emits p8, one beat per cycle. One 33 x 16-bit
// multiplier per element is shared by the two passes ((mx - S) * m, then inv * e). The next
// group's header and scores load while the last output beats drain. Without stalls, G groups take
// sum_g (3 * nblk_g + 39) + 3 cycles from the first input beat accepted (on any port) to the last
// output beat accepted (both counted): 3 * nblk + 42 for one group; data-independent.
module flexllm_softmax #(
    parameter int R = 4,           // query rows per group (lanes of the c2 beat)
    parameter int K = 4,           // key positions per score / probability beat
    parameter int TOKEN_ROWS = 1,  // 1: row r is the query at qpos0 + r (prefill); 0: all at qpos0
    parameter int P_MAX = 256,     // most keys a row can have (p_last < P_MAX <= 65536); the
                                   // score buffer holds ceil(P_MAX / K) beats
    parameter int FAULT = 0        // 0 none, 1 p8-floor (p8 truncates instead of rounding half
                                   // up), 2 overwrite-stalled (the pipeline advances while the
                                   // output stalls: stalled beats are overwritten, lost)
) (
    input  logic              clk,
    input  logic              rst,               // synchronous, active high
    input  logic              s_axis_hdr_tvalid,
    output logic              s_axis_hdr_tready,
    input  logic [31:0]       s_axis_hdr_tdata,  // {nrows[31:16] (1..R), qpos0[15:0]}, 1 beat
    input  logic              s_axis_hdr_tlast,  // 1
    input  logic              s_axis_c2_tvalid,
    output logic              s_axis_c2_tready,
    input  logic [R*22-1:0]   s_axis_c2_tdata,   // lane r: row r's {shift[21:16] (0..62), m[15:0]}
    input  logic              s_axis_c2_tlast,   // 1
    input  logic              s_axis_s_tvalid,
    output logic              s_axis_s_tready,
    input  logic [R*K*32-1:0] s_axis_s_tdata,    // element r * K + k: S[r][blk * K + k], int32
    input  logic              s_axis_s_tlast,    // last of the group's nblk beats
    output logic              m_axis_p_tvalid,
    input  logic              m_axis_p_tready,
    output logic [R*K*8-1:0]  m_axis_p_tdata,    // element r * K + k: p8[r][blk * K + k], uint8
    output logic              m_axis_p_tlast,    // last of the group's nblk beats
    output logic              status_err         // sticky: an input tlast off the last beat
);
    localparam int NE = R * K;
    localparam int NB = (P_MAX + K - 1) / K;  // buffer beats
    localparam int BW = NB > 1 ? $clog2(NB) : 1;
    localparam int KP = 1 << $clog2(K);       // K rounded up to a power of two (max tree)
    localparam int PW = 17;                   // positions and key indices (< 2^16 + K)
    localparam int SW = 16 + $clog2(P_MAX);   // sum of exps <= P_MAX * 2^15
    localparam int QW = 33;                   // inv = floor(2^47 / sum) <= 2^32
    localparam logic [47:0] kTwo47 = 48'h8000_0000_0000;

    typedef enum logic [2:0] {
        S_HDR,   // wait for the group header
        S_LOAD,  // scores into the buffer, row maxima
        S_EXP,   // pass 2: issue buffer reads (needs the multipliers)
        S_DIV,   // pass 2 drains, the dividers run
        S_EMIT   // pass 3: issue buffer reads
    } state_t;

    state_t state;
    logic [15:0] nrows, qpos0;
    logic [PW-1:0] p_last;    // the last valid row's position
    logic got_c2, err;
    logic [R*22-1:0] c2;
    logic [BW-1:0] blk;       // the beat loaded / issued
    logic [PW-1:0] j0;        // its first key index, blk * K
    logic [NE*32-1:0] buf_mem[NB];
    logic [R*32-1:0] mx;      // row maxima (int32)
    logic [R*SW-1:0] sum;     // row sums of exps
    logic [R*QW-1:0] inv;     // row reciprocals, from the dividers
    logic [R-1:0] div_done;
    logic [NE-1:0] mask;      // element r * K + k of beat blk belongs to row r

    // Pipeline (one enable, adv): issue -> 1 (buffer word) -> 2 (product) -> 3 (exp table) ->
    // 4 (exp; pass 2 ends: sum, write-back). Pass 3 beats leave stage 2 into the output register.
    logic v1, v2, v3, v4;     // stage holds a beat
    logic x1, x2;             // ... of pass 3
    logic l1, l2, l3, l4;     // ... the group's last
    logic [BW-1:0] a1, a2, a3, a4;  // its buffer address
    logic [NE-1:0] k1, k2, k3;      // its element mask
    logic [NE*32-1:0] w1;           // buffer word: scores (pass 2) or exps (pass 3)
    logic [NE*48-1:0] pr2, pr_next; // products
    logic [NE*13-1:0] u_next;       // exponents, Q8, clamped
    logic [NE*5-1:0] sh3;           // u >> 8, beside the table read
    logic [NE*16-1:0] fr3;          // EXP2[u & 255]
    logic [NE*16-1:0] e_next, e4;   // exps (0 when masked)
    logic [NE*8-1:0] p_next, q_data;
    logic q_valid, q_last;
    logic [R*SW-1:0] sum_next;

    // The pipeline advances when the output register is free or read (overwrite-stalled: always).
    wire adv = (FAULT == 2) ? 1'b1 : (!q_valid || m_axis_p_tready);
    assign s_axis_hdr_tready = (state == S_HDR);
    assign s_axis_c2_tready = !got_c2;
    assign s_axis_s_tready = (state == S_LOAD);
    wire hdr_fire = s_axis_hdr_tvalid && s_axis_hdr_tready;
    wire c2_fire = s_axis_c2_tvalid && s_axis_c2_tready;
    wire s_fire = s_axis_s_tvalid && s_axis_s_tready;
    wire last_blk = (j0 + PW'(K) > p_last);
    wire issue = adv && ((state == S_EXP && got_c2) || state == S_EMIT);
    wire wb = adv && v4;         // pass 2 retires a beat
    wire div_start = wb && l4;   // ... its last one

    // ---- element masks of beat blk: row r < nrows, key j0 + k <= p_r ----
    for (genvar r = 0; r < R; r++) begin : g_mask_row
        wire [PW-1:0] p_r = PW'(qpos0) + PW'(TOKEN_ROWS != 0 ? r : 0);
        wire row_ok = (16'(r) < nrows);
        for (genvar k = 0; k < K; k++) begin : g_mask_key
            assign mask[r*K+k] = row_ok && (j0 + PW'(k) <= p_r);
        end
    end

    // ---- the buffer: one write port (load, or pass 2's write-back), one registered read ----
    logic [NE*32-1:0] e_word;
    for (genvar e = 0; e < NE; e++) begin : g_eword
        assign e_word[e*32+:32] = {16'd0, e4[e*16+:16]};
    end
    wire [BW-1:0] wr_addr = s_fire ? blk : a4;
    wire [NE*32-1:0] wr_data = s_fire ? s_axis_s_tdata : e_word;
    always_ff @(posedge clk) begin
        if (s_fire || wb) buf_mem[wr_addr] <= wr_data;
        if (issue) w1 <= buf_mem[blk];
    end

    // ---- row maxima during load (masked elements excluded) ----
    for (genvar r = 0; r < R; r++) begin : g_row
        // the beat's maximum: a tree over the K keys padded to KP (masked keys and padding -2^31)
        logic [KP*32-1:0] node;
        always_comb begin
            node = {KP{32'h8000_0000}};
            for (int k = 0; k < K; k++)
                if (mask[r*K+k]) node[k*32+:32] = s_axis_s_tdata[(r*K+k)*32+:32];
            for (int w = 1; w < KP; w = w * 2)
                for (int i = 0; i < KP; i = i + 2 * w)
                    if ($signed(node[(i+w)*32+:32]) > $signed(node[i*32+:32]))
                        node[i*32+:32] = node[(i+w)*32+:32];
        end
        wire signed [31:0] bmax = $signed(node[31:0]);
        wire signed [31:0] mx_r = $signed(mx[r*32+:32]);
        always_ff @(posedge clk) begin
            if (s_fire) mx[r*32+:32] <= (blk == '0 || bmax > mx_r) ? bmax : mx_r;
        end

        wire [15:0] m_r = c2[r*22+:16];
        wire [5:0] shift_r = c2[r*22+16+:6];

        for (genvar k = 0; k < K; k++) begin : g_lane
            localparam int E = r * K + k;
            // stage 1 -> 2: pass 2 (mx - S) * m (< 2^48), pass 3 inv * e (<= 2^47)
            wire [31:0] diff = mx[r*32+:32] - w1[E*32+:32];  // mx >= S on unmasked elements
            wire [32:0] op_a = x1 ? inv[r*QW+:QW] : {1'b0, diff};
            wire [15:0] op_b = x1 ? w1[E*32+:16] : m_r;
            assign pr_next[E*48+:48] = 48'(op_a * op_b);

            // stage 2 -> 3: u = min(8191, rshift_rnd(product, shift)); rshift_rnd(a, s) is
            // floor(a / 2^s) plus bit s - 1 of a: both from (2a) >> s. Then the table read.
            wire [48:0] u_t = {pr2[E*48+:48], 1'b0} >> shift_r;
            assign u_next[E*13+:13] = ((|u_t[48:14]) || (&u_t[13:1] && u_t[0])) ? 13'h1fff :
                                      u_t[13:1] + 13'(u_t[0]);
            flexllm_exp2_rom u_rom (
                .clk(clk), .en(adv), .k(u_next[E*13+:8]), .e(fr3[E*16+:16]));

            // stage 3 -> 4: e = rshift_rnd(EXP2[u & 255], u >> 8) <= 32768, 0 when masked
            wire [4:0] es = sh3[E*5+:5];
            wire [16:0] e_t = {fr3[E*16+:16], 1'b0} >> es;
            wire [15:0] e_val = e_t[16:1] + 16'(e_t[0]);
            assign e_next[E*16+:16] = k3[E] ? e_val : 16'd0;

            // stage 2 -> output (pass 3): p16 = rshift_rnd(e * inv, 31) <= 2^16,
            // p8 = min(255, rshift_rnd(p16 * 255, 16)) (p8-floor: no rounding bias)
            wire [16:0] p16 = pr2[E*48+31+:17] + 17'(pr2[E*48+30]);
            wire [24:0] p8_bias = (FAULT == 1) ? 25'd0 : 25'd32768;
            wire [8:0] p8w = 9'(({p16, 8'd0} - 25'(p16) + p8_bias) >> 16);  // p16 * 255 < 2^24
            assign p_next[E*8+:8] = p8w[8] ? 8'hff : p8w[7:0];
        end

        // pass 2: the row's sum of exps (restarting at the group's first beat)
        always_comb begin
            sum_next[r*SW+:SW] = (a4 == '0) ? SW'(0) : sum[r*SW+:SW];
            for (int k = 0; k < K; k++)
                sum_next[r*SW+:SW] = sum_next[r*SW+:SW] + SW'(e4[(r*K+k)*16+:16]);
        end
        always_ff @(posedge clk) begin
            if (wb) sum[r*SW+:SW] <= sum_next[r*SW+:SW];
        end

        // the reciprocal, QW + 1 cycles after the last exps (sum >= 2^15 for a valid row)
        flexllm_divu #(.NW(48), .DW(SW), .QW(QW)) u_div (
            .clk(clk), .rst(rst), .start(div_start), .dividend(kTwo47),
            .divisor(sum_next[r*SW+:SW]), .quotient(inv[r*QW+:QW]), .done(div_done[r]));
    end

    // ---- pipeline registers ----
    always_ff @(posedge clk) begin
        if (adv) begin
            pr2 <= pr_next;
            for (int e = 0; e < NE; e++) sh3[e*5+:5] <= u_next[e*13+8+:5];
            e4 <= e_next;
            a1 <= blk;
            k1 <= mask;
            a2 <= a1;
            k2 <= k1;
            a3 <= a2;
            k3 <= k2;
            a4 <= a3;
            x2 <= x1;
            l2 <= l1;
            l3 <= l2;
            l4 <= l3;
            if (issue) begin
                x1 <= (state == S_EMIT);
                l1 <= last_blk;
            end
        end
    end

    // ---- control ----
    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_HDR;
            got_c2 <= 1'b0;
            blk <= '0;
            j0 <= '0;
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
            v4 <= 1'b0;
            q_valid <= 1'b0;
            q_last <= 1'b0;
            err <= 1'b0;
        end else begin
            if (adv) begin
                v1 <= issue;
                v2 <= v1;
                v3 <= v2 && !x2;
                v4 <= v3;
            end
            if (m_axis_p_tready) q_valid <= 1'b0;
            if (adv && v2 && x2) begin
                q_valid <= 1'b1;
                q_data <= p_next;
                q_last <= l2;
            end
            if (c2_fire) begin
                got_c2 <= 1'b1;
                c2 <= s_axis_c2_tdata;
                if (!s_axis_c2_tlast) err <= 1'b1;
            end
            case (state)
                S_HDR: begin
                    if (hdr_fire) begin
                        if (!s_axis_hdr_tlast) err <= 1'b1;
                        nrows <= s_axis_hdr_tdata[31:16];
                        qpos0 <= s_axis_hdr_tdata[15:0];
                        p_last <= PW'(s_axis_hdr_tdata[15:0]) +
                                  ((TOKEN_ROWS != 0) ? PW'(s_axis_hdr_tdata[31:16]) - PW'(1)
                                                     : PW'(0));
                        blk <= '0;
                        j0 <= '0;
                        state <= S_LOAD;
                    end
                end
                S_LOAD: begin
                    if (s_fire) begin
                        if (s_axis_s_tlast != last_blk) err <= 1'b1;
                        if (last_blk) begin
                            blk <= '0;
                            j0 <= '0;
                            state <= S_EXP;
                        end else begin
                            blk <= blk + BW'(1);
                            j0 <= j0 + PW'(K);
                        end
                    end
                end
                S_EXP, S_EMIT: begin
                    if (issue) begin
                        if (last_blk) begin
                            blk <= '0;
                            j0 <= '0;
                            if (state == S_EMIT) got_c2 <= 1'b0;
                            state <= (state == S_EMIT) ? S_HDR : S_DIV;
                        end else begin
                            blk <= blk + BW'(1);
                            j0 <= j0 + PW'(K);
                        end
                    end
                end
                S_DIV: if (&div_done) state <= S_EMIT;
                default: state <= S_HDR;
            endcase
        end
    end

    assign m_axis_p_tvalid = q_valid;
    assign m_axis_p_tdata = q_data;
    assign m_axis_p_tlast = q_last;
    assign status_err = err;
endmodule
