// Hand-written (not generated) SystemVerilog: flexllm_softmax, the integer softmax of a stream of
// attention groups (golden/NUMERICS.md §2.8), each R query rows x the group's causal keys, int32
// scores -> uint8, group-pipelined: one score beat in and one probability beat out per cycle.
// Per row r < nrows (keys j = 0..p_r, p_r = qpos0 + r if TOKEN_ROWS else qpos0): mx = max_j S_j;
// u_j = min(8191, rshift_rnd((mx - S_j) * m, shift)) (exact 48-bit product); e_j =
// rshift_rnd(EXP2[u_j & 255], u_j >> 8) (one flexllm_exp2_rom per element); sum = sum_j e_j;
// inv = floor(2^47 / sum) (restoring division, 33 steps, as flexllm_divu); p16_j =
// rshift_rnd(e_j * inv, 31); p8_j = min(255, rshift_rnd(p16_j * 255, 16)); 0 for masked entries.
// Per group: the header, one c2 beat and nblk = p_last / K + 1 score beats (p_last =
// p_{nrows-1}); out nblk probability beats. The three input streams are independent.
//
// Micro-architecture: a group's three passes (load + max, exps + sums, emit) are three units,
// each working on a different group, decoupled by queues, so consecutive groups overlap and no
// unit waits for another's group boundary:
//   LOAD  the header queue (2 entries) holds the next group's header while the current one loads,
//         so a group's first score beat follows the previous group's last. Score beats go into a
//         circular score buffer of NB + 1 beats (NB = ceil(P_MAX / K)) while the row maxima
//         accumulate; at the group's last beat its descriptor (maxima, nrows, qpos0, p_last)
//         enters the descriptor queue (straight into its head register when the queue is empty).
//   EXP   with a descriptor at the queue's head and the group's c2 beat at the head of the c2
//         queue (2 entries), reads the group's beats from the score buffer, one per cycle,
//         through a four-stage pipeline (buffer word; (mx - S) * m; u and the table read; the
//         exp) into the exp FIFO, summing each row. It never stalls once a beat is issued: a
//         beat issues only with an exp FIFO entry reserved for it. A group's sums enter R
//         pipelined restoring dividers (ND = 11 stages of 3 quotient bits, one new group per
//         cycle), whose quotients enter the reciprocal queue.
//   EMIT  pops the exp FIFO in order, taking the group's reciprocals off their queue with its
//         first beat (the reciprocals of a group are ready ND + 5 cycles after its last exp beat
//         issued); inv * e -> p16, then p8 into the output register: one beat per cycle.
// Separate multipliers for EXP ((mx - S) * m, 33 x 16) and EMIT (inv * e, 33 x 16) per element.
// Sizing (no legal sequence overflows; a full buffer holds its producer back): without output
// stalls the score buffer holds at most NB beats and the EXP-issued, not yet emitted beats are at
// most NB + ND + 4, hence NB + 1 and NB + ND + 5 entries, the most throughput needs; with output
// stalls the exp FIFO fills and holds EXP back, and the score buffer fills and holds the score
// stream back (tready low). Every group in the descriptor queue owns a score-buffer beat and
// every group in the reciprocal queue owns exp-FIFO beats, so those queues (as deep as the
// buffers) cannot overflow.
// Cycles without stalls (each input beat presented as soon as the previous one on its port was
// accepted, the output always ready), from the first input beat accepted (on any port) to the
// last output beat accepted, both counted: sum_g nblk_g + 2 * max_g nblk_g + ND + 8 =
// sum_g nblk_g + 2 * max_g nblk_g + 19; data-independent. (The first score beat is accepted one
// cycle after its header; the group of most beats must be loaded, then pass its exps, then its
// division, then be emitted, before the later groups' beats leave back-to-back.)
module flexllm_softmax #(
    parameter int R = 4,           // query rows per group (lanes of the c2 beat)
    parameter int K = 4,           // key positions per score / probability beat
    parameter int TOKEN_ROWS = 1,  // 1: row r is the query at qpos0 + r (prefill); 0: all at qpos0
    parameter int P_MAX = 256,     // most keys a row can have (p_last < P_MAX <= 65536); a group
                                   // has at most ceil(P_MAX / K) beats
    parameter int FAULT = 0        // 0 none, 1 p8-floor (p8 truncates instead of rounding half
                                   // up), 2 overwrite-stalled (the emit pipeline advances while
                                   // the output stalls: stalled beats are overwritten, lost)
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
    localparam int NB = (P_MAX + K - 1) / K;  // most beats of a group
    localparam int KP = 1 << $clog2(K);       // K rounded up to a power of two (max tree)
    localparam int PW = 17;                   // positions and key indices (< 2^16 + K)
    localparam int SW = 16 + $clog2(P_MAX);   // sum of exps <= P_MAX * 2^15
    localparam int QW = 33;                   // inv = floor(2^47 / sum) <= 2^32
    localparam int DS = 3;                    // quotient bits per divider stage
    localparam int ND = (QW + DS - 1) / DS;   // divider stages (>= 2)
    localparam int SD = NB + 1;               // score buffer beats (and descriptor queue entries)
    localparam int XD = NB + ND + 5;          // exp FIFO beats (and reciprocal queue entries)
    localparam int SA = $clog2(SD);           // SD, XD >= 2
    localparam int XA = $clog2(XD);
    localparam int DQW = R * 32 + 32 + PW;    // descriptor {maxima, nrows, qpos0, p_last}
    // 2^47 = 2^14 * 2^QW: the divider's first partial remainder; the low dividend bits are 0
    localparam logic [SW-1:0] kRem0 = SW'(1 << 14);

    // Element r * K + k of the beat at key index j0 belongs to row r (r < nrows, j0 + k <= p_r).
    function automatic logic [NE-1:0] row_mask(input logic [15:0] nrows, input logic [15:0] qpos0,
                                               input logic [PW-1:0] j0);
        for (int r = 0; r < R; r++)
            for (int k = 0; k < K; k++)
                row_mask[r*K+k] = (16'(r) < nrows) &&
                                  (j0 + PW'(k) <= PW'(qpos0) + PW'(TOKEN_ROWS != 0 ? r : 0));
    endfunction

    // n restoring-division steps (as flexllm_divu's, whose shifted-in dividend bits are all 0
    // here), quotient bits MSB first from bit position QW - 1 - b0 down; returns {rem, quotient}.
    function automatic logic [SW+QW-1:0] div_steps(input logic [SW-1:0] rem_in,
                                                   input logic [QW-1:0] q_in,
                                                   input logic [SW-1:0] den, input int b0,
                                                   input int n);
        logic [SW-1:0] rem;
        logic [QW-1:0] q;
        logic [SW:0] rem_sh;
        rem = rem_in;
        q = q_in;
        for (int i = 0; i < DS; i++) begin
            if (i < n) begin
                rem_sh = {rem, 1'b0};
                q[QW-1-b0-i] = rem_sh >= {1'b0, den};
                rem = q[QW-1-b0-i] ? SW'(rem_sh - {1'b0, den}) : rem_sh[SW-1:0];
            end
        end
        div_steps = {rem, q};
    endfunction

    // ================================ LOAD ================================
    // Header queue: {nrows, qpos0, p_last}, two entries.
    logic [1:0] hq_cnt;
    logic hq_rp, hq_wp;
    logic [15:0] hq_nrows[2], hq_qpos0[2];
    logic [PW-1:0] hq_plast[2];
    wire [15:0] l_nrows = hq_nrows[hq_rp];
    wire [15:0] l_qpos0 = hq_qpos0[hq_rp];
    wire [PW-1:0] l_plast = hq_plast[hq_rp];

    logic [PW-1:0] l_j0;                      // key index of the beat to load
    logic [SA:0] sb_cnt;                      // score buffer beats loaded, not yet issued
    logic [SA-1:0] sb_wp, sb_rp;
    logic [NE*32-1:0] sb_mem[SD];
    logic [R*32-1:0] l_mx, l_mx_next;         // row maxima (int32)
    wire l_last = (l_j0 + PW'(K) > l_plast);
    wire [NE-1:0] l_mask = row_mask(l_nrows, l_qpos0, l_j0);

    assign s_axis_hdr_tready = (hq_cnt != 2'd2);
    assign s_axis_s_tready = (hq_cnt != 2'd0) && (sb_cnt != (SA + 1)'(SD));
    wire hdr_fire = s_axis_hdr_tvalid && s_axis_hdr_tready;
    wire s_fire = s_axis_s_tvalid && s_axis_s_tready;
    wire dq_push = s_fire && l_last;          // a group loaded: its descriptor is complete

    for (genvar r = 0; r < R; r++) begin : g_max
        // the beat's maximum: a tree over the K keys padded to KP (masked keys and padding -2^31)
        logic [KP*32-1:0] node;
        always_comb begin
            node = {KP{32'h8000_0000}};
            for (int k = 0; k < K; k++)
                if (l_mask[r*K+k]) node[k*32+:32] = s_axis_s_tdata[(r*K+k)*32+:32];
            for (int w = 1; w < KP; w = w * 2)
                for (int i = 0; i < KP; i = i + 2 * w)
                    if ($signed(node[(i+w)*32+:32]) > $signed(node[i*32+:32]))
                        node[i*32+:32] = node[(i+w)*32+:32];
        end
        wire signed [31:0] bmax = $signed(node[31:0]);
        wire signed [31:0] mx_r = $signed(l_mx[r*32+:32]);
        assign l_mx_next[r*32+:32] = (l_j0 == '0 || bmax > mx_r) ? bmax : mx_r;
    end

    always_ff @(posedge clk) begin
        if (hdr_fire) begin
            hq_nrows[hq_wp] <= s_axis_hdr_tdata[31:16];
            hq_qpos0[hq_wp] <= s_axis_hdr_tdata[15:0];
            hq_plast[hq_wp] <= PW'(s_axis_hdr_tdata[15:0]) +
                               ((TOKEN_ROWS != 0) ? PW'(s_axis_hdr_tdata[31:16]) - PW'(1) : PW'(0));
        end
        if (s_fire) begin
            sb_mem[sb_wp] <= s_axis_s_tdata;
            l_mx <= l_mx_next;
        end
    end

    // ============================ descriptor queue ============================
    // A RAM of SD entries behind a head register (e_desc, valid e_hv) that EXP works from.
    logic [DQW-1:0] dq_mem[SD];
    logic [SA-1:0] dq_wp, dq_rp;
    logic [SA:0] dq_cnt;                      // entries in the RAM (beside the head)
    logic e_hv;
    logic [DQW-1:0] e_desc;
    wire [DQW-1:0] l_desc = {l_mx_next, l_nrows, l_qpos0, l_plast};
    wire [R*32-1:0] e_mx = e_desc[DQW-1-:R*32];
    wire [15:0] e_nrows = e_desc[PW+16+:16];
    wire [15:0] e_qpos0 = e_desc[PW+:16];
    wire [PW-1:0] e_plast = e_desc[PW-1:0];

    // ============================ c2 queue ============================
    logic [1:0] c2_cnt;
    logic c2_rp, c2_wp;
    logic [R*22-1:0] c2_mem[2];
    wire [R*22-1:0] e_c2 = c2_mem[c2_rp];
    assign s_axis_c2_tready = (c2_cnt != 2'd2);
    wire c2_fire = s_axis_c2_tvalid && s_axis_c2_tready;
    always_ff @(posedge clk) begin
        if (c2_fire) c2_mem[c2_wp] <= s_axis_c2_tdata;
    end

    // ================================ EXP ================================
    // Issue -> 1 (buffer word) -> 2 (product) -> 3 (exp table) -> 4 (exp: exp FIFO, row sums).
    logic [PW-1:0] e_j0;                      // key index of the beat to issue
    logic [XA:0] xf_res;                      // exp FIFO entries reserved (issued, not emitted)
    logic [XA:0] xf_cnt;                      // exp FIFO entries written, not emitted
    wire e_last = (e_j0 + PW'(K) > e_plast);
    wire e_issue = e_hv && (c2_cnt != 2'd0) && (xf_res != (XA + 1)'(XD));
    wire e_done = e_issue && e_last;          // the group's last beat: pop descriptor and c2
    wire dq_take = !e_hv || e_done;           // the head register is free at the next edge
    wire dq_bypass = dq_take && (dq_cnt == '0);  // a pushed descriptor goes to the head

    logic v1, v2, v3, v4;                     // stage holds a beat
    logic l1, l2, l3, l4;                     // ... the group's last
    logic f1, f2, f3, f4;                     // ... the group's first
    logic [NE-1:0] k1, k2, k3;                // its element mask
    logic [NE*32-1:0] w1;                     // scores
    logic [R*32-1:0] mx1;                     // the group's maxima
    logic [R*16-1:0] m1;                      // ... multiplier mantissas
    logic [R*6-1:0] sh1, sh2;                 // ... and shifts
    logic [NE*48-1:0] pr2, pr_next;           // (mx - S) * m
    logic [NE*13-1:0] u_next;                 // exponents, Q8, clamped
    logic [NE*5-1:0] sh3;                     // u >> 8, beside the table read
    logic [NE*16-1:0] fr3;                    // EXP2[u & 255]
    logic [NE*16-1:0] e_next, e4;             // exps (0 when masked)
    logic [R*SW-1:0] sum, sum_next;           // row sums of exps

    always_ff @(posedge clk) begin
        if (dq_push && !dq_bypass) dq_mem[dq_wp] <= l_desc;
        if (dq_take) e_desc <= (dq_cnt != '0) ? dq_mem[dq_rp] : l_desc;
        if (e_issue) begin
            w1 <= sb_mem[sb_rp];
            k1 <= row_mask(e_nrows, e_qpos0, e_j0);
            mx1 <= e_mx;
            for (int r = 0; r < R; r++) begin
                m1[r*16+:16] <= e_c2[r*22+:16];
                sh1[r*6+:6] <= e_c2[r*22+16+:6];
            end
        end
        pr2 <= pr_next;
        sh2 <= sh1;
        k2 <= k1;
        for (int e = 0; e < NE; e++) sh3[e*5+:5] <= u_next[e*13+8+:5];
        k3 <= k2;
        e4 <= e_next;
        if (v4) sum <= sum_next;
    end

    for (genvar r = 0; r < R; r++) begin : g_row
        wire [5:0] shift_r = sh2[r*6+:6];
        for (genvar k = 0; k < K; k++) begin : g_lane
            localparam int E = r * K + k;
            // stage 1 -> 2: (mx - S) * m < 2^48 (mx >= S on unmasked elements)
            wire [31:0] diff = mx1[r*32+:32] - w1[E*32+:32];
            assign pr_next[E*48+:48] = 48'({1'b0, diff} * m1[r*16+:16]);

            // stage 2 -> 3: u = min(8191, rshift_rnd(product, shift)); rshift_rnd(a, s) is
            // floor(a / 2^s) plus bit s - 1 of a: both from (2a) >> s. Then the table read.
            wire [48:0] u_t = {pr2[E*48+:48], 1'b0} >> shift_r;
            assign u_next[E*13+:13] = ((|u_t[48:14]) || (&u_t[13:1] && u_t[0])) ? 13'h1fff :
                                      u_t[13:1] + 13'(u_t[0]);
            flexllm_exp2_rom u_rom (
                .clk(clk), .en(v2), .k(u_next[E*13+:8]), .e(fr3[E*16+:16]));

            // stage 3 -> 4: e = rshift_rnd(EXP2[u & 255], u >> 8) <= 32768, 0 when masked
            wire [4:0] es = sh3[E*5+:5];
            wire [16:0] e_t = {fr3[E*16+:16], 1'b0} >> es;
            wire [15:0] e_val = e_t[16:1] + 16'(e_t[0]);
            assign e_next[E*16+:16] = k3[E] ? e_val : 16'd0;
        end

        // stage 4: the row's sum of exps (restarting at the group's first beat)
        always_comb begin
            sum_next[r*SW+:SW] = f4 ? SW'(0) : sum[r*SW+:SW];
            for (int k = 0; k < K; k++)
                sum_next[r*SW+:SW] = sum_next[r*SW+:SW] + SW'(e4[(r*K+k)*16+:16]);
        end
    end

    // ============================ reciprocals ============================
    // dstart: sum holds a group's sums (its last beat left stage 4 a cycle ago). Stage s of the
    // R dividers computes quotient bits 3s .. 3s + 2 (sum >= 2^15 > 2^14 for a valid row; rows
    // >= nrows have sum 0 and a meaningless quotient that only meets e = 0); its result is in
    // register s (valid dv[s]) or, for the last stage, written into the reciprocal queue.
    logic dstart;
    logic [ND-2:0] dv;
    logic [R*QW-1:0] inv_out;                 // the last stage's quotients
    logic [R*QW-1:0] inv_mem[XD];
    logic [XA-1:0] inv_wp, inv_rp;
    logic [XA:0] inv_cnt;                     // reciprocal queue entries
    wire inv_wr = dv[ND-2];

    for (genvar r = 0; r < R; r++) begin : g_div
        logic [(ND-1)*SW-1:0] d_rem, d_den;
        logic [(ND-1)*QW-1:0] d_q;
        logic [(ND-1)*SW-1:0] st_rem;
        logic [(ND-1)*QW-1:0] st_q;
        for (genvar s = 0; s < ND; s++) begin : g_stage
            localparam int NS = (QW - s * DS < DS) ? QW - s * DS : DS;
            logic [SW-1:0] rem_i, den_i;
            logic [QW-1:0] q_i;
            if (s == 0) begin : g_in
                assign rem_i = kRem0;
                assign den_i = sum[r*SW+:SW];
                assign q_i = '0;
            end else begin : g_in
                assign rem_i = d_rem[(s-1)*SW+:SW];
                assign den_i = d_den[(s-1)*SW+:SW];
                assign q_i = d_q[(s-1)*QW+:QW];
            end
            if (s < ND - 1) begin : g_out
                assign {st_rem[s*SW+:SW], st_q[s*QW+:QW]} =
                    div_steps(rem_i, q_i, den_i, s * DS, NS);
                always_ff @(posedge clk) begin
                    d_rem[s*SW+:SW] <= st_rem[s*SW+:SW];
                    d_q[s*QW+:QW] <= st_q[s*QW+:QW];
                    d_den[s*SW+:SW] <= den_i;
                end
            end else begin : g_out
                assign inv_out[r*QW+:QW] = QW'(div_steps(rem_i, q_i, den_i, s * DS, NS));
            end
        end
    end

    always_ff @(posedge clk) begin
        if (inv_wr) inv_mem[inv_wp] <= inv_out;
    end

    // ================================ exp FIFO ================================
    logic [NE*16-1:0] xf_mem[XD];
    logic [XD-1:0] xl_mem;                    // the entry is its group's last beat
    logic [XA-1:0] xf_wp, xf_rp;
    always_ff @(posedge clk) begin
        if (v4) begin
            xf_mem[xf_wp] <= e4;
            xl_mem[xf_wp] <= l4;
        end
    end

    // ================================ EMIT ================================
    // Pop -> 1 (exps, the group's reciprocals) -> 2 (p16) -> output register (p8). The pipeline
    // advances when the output register is free or read (overwrite-stalled: always).
    logic [NE*8-1:0] p_next, q_data;
    logic q_valid, q_last;
    logic err;
    wire m_adv = (FAULT == 2) ? 1'b1 : (!q_valid || m_axis_p_tready);
    logic m1_last;                            // the last beat popped closed its group
    wire m_pop = m_adv && (xf_cnt != '0) && (!m1_last || inv_cnt != '0);
    logic mv1, mv2, ml2;
    logic [NE*16-1:0] x1;                     // exps
    logic [R*QW-1:0] inv1;                    // the group's reciprocals
    logic [NE*17-1:0] p16_2, p16_next;

    always_ff @(posedge clk) begin
        if (m_pop) begin
            x1 <= xf_mem[xf_rp];
            if (m1_last) inv1 <= inv_mem[inv_rp];
        end
        if (m_adv) p16_2 <= p16_next;
    end

    for (genvar e = 0; e < NE; e++) begin : g_emit
        // 1 -> 2: p16 = rshift_rnd(e * inv, 31) <= 2^16 (e * inv <= 2^47)
        assign p16_next[e*17+:17] =
            17'((48'(inv1[(e/K)*QW+:QW] * x1[e*16+:16]) + 48'h4000_0000) >> 31);
        // 2 -> output: p8 = min(255, rshift_rnd(p16 * 255, 16)) (p8-floor: no rounding bias)
        wire [16:0] p16 = p16_2[e*17+:17];
        wire [24:0] p8_bias = (FAULT == 1) ? 25'd0 : 25'd32768;
        wire [8:0] p8w = 9'(({p16, 8'd0} - 25'(p16) + p8_bias) >> 16);  // p16 * 255 < 2^24
        assign p_next[e*8+:8] = p8w[8] ? 8'hff : p8w[7:0];
    end

    // ================================ control ================================
    always_ff @(posedge clk) begin
        if (rst) begin
            hq_cnt <= '0;
            hq_rp <= 1'b0;
            hq_wp <= 1'b0;
            l_j0 <= '0;
            sb_cnt <= '0;
            sb_wp <= '0;
            sb_rp <= '0;
            dq_wp <= '0;
            dq_rp <= '0;
            dq_cnt <= '0;
            e_hv <= 1'b0;
            c2_cnt <= '0;
            c2_rp <= 1'b0;
            c2_wp <= 1'b0;
            e_j0 <= '0;
            {v1, v2, v3, v4} <= '0;
            {l1, l2, l3, l4} <= '0;
            {f1, f2, f3, f4} <= '0;
            xf_res <= '0;
            xf_cnt <= '0;
            xf_wp <= '0;
            xf_rp <= '0;
            dstart <= 1'b0;
            dv <= '0;
            inv_wp <= '0;
            inv_rp <= '0;
            inv_cnt <= '0;
            m1_last <= 1'b1;
            {mv1, mv2, ml2} <= '0;
            q_valid <= 1'b0;
            q_last <= 1'b0;
            q_data <= '0;
            err <= 1'b0;
        end else begin
            // ---- header and c2 queues ----
            if (hdr_fire) begin
                hq_wp <= !hq_wp;
                if (!s_axis_hdr_tlast) err <= 1'b1;
            end
            if (dq_push) hq_rp <= !hq_rp;
            hq_cnt <= hq_cnt + 2'(hdr_fire) - 2'(dq_push);
            if (c2_fire) begin
                c2_wp <= !c2_wp;
                if (!s_axis_c2_tlast) err <= 1'b1;
            end
            if (e_done) c2_rp <= !c2_rp;
            c2_cnt <= c2_cnt + 2'(c2_fire) - 2'(e_done);

            // ---- LOAD ----
            if (s_fire) begin
                if (s_axis_s_tlast != l_last) err <= 1'b1;
                l_j0 <= l_last ? '0 : l_j0 + PW'(K);
                sb_wp <= (sb_wp == SA'(SD - 1)) ? '0 : sb_wp + SA'(1);
            end
            sb_cnt <= sb_cnt + (SA + 1)'(s_fire) - (SA + 1)'(e_issue);

            // ---- descriptor queue ----
            if (dq_push && !dq_bypass) dq_wp <= (dq_wp == SA'(SD - 1)) ? '0 : dq_wp + SA'(1);
            if (dq_take && dq_cnt != '0) dq_rp <= (dq_rp == SA'(SD - 1)) ? '0 : dq_rp + SA'(1);
            dq_cnt <= dq_cnt + (SA + 1)'(dq_push && !dq_bypass) -
                      (SA + 1)'(dq_take && dq_cnt != '0);
            if (dq_take) e_hv <= (dq_cnt != '0) || dq_push;

            // ---- EXP ----
            if (e_issue) begin
                e_j0 <= e_last ? '0 : e_j0 + PW'(K);
                sb_rp <= (sb_rp == SA'(SD - 1)) ? '0 : sb_rp + SA'(1);
            end
            v1 <= e_issue;
            l1 <= e_last;
            f1 <= (e_j0 == '0);
            {v2, v3, v4} <= {v1, v2, v3};
            {l2, l3, l4} <= {l1, l2, l3};
            {f2, f3, f4} <= {f1, f2, f3};
            if (v4) xf_wp <= (xf_wp == XA'(XD - 1)) ? '0 : xf_wp + XA'(1);
            xf_res <= xf_res + (XA + 1)'(e_issue) - (XA + 1)'(m_pop);
            xf_cnt <= xf_cnt + (XA + 1)'(v4) - (XA + 1)'(m_pop);

            // ---- reciprocals ----
            dstart <= v4 && l4;
            dv <= {dv[ND-3:0], dstart};
            if (inv_wr) inv_wp <= (inv_wp == XA'(XD - 1)) ? '0 : inv_wp + XA'(1);
            if (m_pop && m1_last) inv_rp <= (inv_rp == XA'(XD - 1)) ? '0 : inv_rp + XA'(1);
            inv_cnt <= inv_cnt + (XA + 1)'(inv_wr) - (XA + 1)'(m_pop && m1_last);

            // ---- EMIT ----
            if (m_pop) begin
                m1_last <= xl_mem[xf_rp];
                xf_rp <= (xf_rp == XA'(XD - 1)) ? '0 : xf_rp + XA'(1);
            end
            if (m_adv) begin
                mv1 <= m_pop;
                mv2 <= mv1;
                ml2 <= m1_last;
            end
            if (m_axis_p_tready) q_valid <= 1'b0;
            if (m_adv && mv2) begin
                q_valid <= 1'b1;
                q_data <= p_next;
                q_last <= ml2;
            end
        end
    end

    assign m_axis_p_tvalid = q_valid;
    assign m_axis_p_tdata = q_data;
    assign m_axis_p_tlast = q_last;
    assign status_err = err;
endmodule
