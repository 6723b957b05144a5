// Hand-written (not generated) SystemVerilog: flexllm_sample, the sampler after the LM head
// (golden/NUMERICS.md §2.12), one token per transaction: a 64-bit SplitMix64 state beat and
// cfg_vocab / L beats of L int32 logits in, one token beat and one state beat out.
// Greedy (cfg_top_k <= 1): a compare tree over the L logits of each beat (lowest index wins ties)
// into a running maximum; the token is the lowest index among the maximal logits; the state goes
// out unchanged.
// Top-k (cfg_top_k = k > 1): every beat inserts its L logits in parallel into L sorted lists, one
// per lane (lane l holds the KMAX largest of logits l, l + L, ..., value descending, index
// ascending); then k pops, one per cycle, through the same compare tree over the list heads give
// the k largest logits in golden order (value descending, index ascending), v_0 = the largest.
// Per pop j, a two-stage pipeline: u_j = min(rshift_rnd((v_0 - v_j) * m, shift), 8191) (exact
// 48-bit product, round half up), then one flexllm_exp2_rom read and
// e_j = rshift_rnd(EXP2[u_j & 255], u_j >> 8), cum_j = e_0 + ... + e_j (total = cum_{k-1}, at
// least 2^15). SplitMix64 from the state (three registered stages, while the logits stream):
// state' = state + 0x9e3779b97f4a7c15, z = mix(state'); r = z mod total by restoring remainder
// (the top 15 bits of z seed the remainder, as z >> 49 < 2^15 <= total: 49 steps, one per
// cycle); the token is the index of the first j with cum_j > r (one parallel compare of the k
// cumulative weights); state' goes out.
// Without stalls, with B = cfg_vocab / L, from the first input beat accepted (on any port) to the
// last output beat accepted (both counted): greedy B + 1 cycles, top-k B + k + 53 cycles;
// data-independent. The next transaction's inputs are accepted from the cycle after both output
// beats of the previous one have been accepted.
module flexllm_sample #(
    parameter int L = 1,      // logits (lanes) per beat
    parameter int KMAX = 64,  // largest top-k (2..255); L sorted lists of KMAX entries
    parameter int FAULT = 0   // 0 none, 1 tie-high (equal logits resolve toward the higher index
                              // in the compare tree and the running maximum),
                              // 2 lose-stalled (both output beats retire when either is
                              // accepted: a stalled one is lost)
) (
    input  logic            clk,
    input  logic            rst,                   // synchronous, active high
    input  logic [31:0]     cfg_vocab,             // logits per token, a multiple of L, >= 1
    input  logic [7:0]      cfg_top_k,             // 0, 1: greedy; else k <= min(KMAX, vocab)
    input  logic [21:0]     cfg_mult,              // {shift[21:16] (0..62), m[15:0]}
    input  logic            s_axis_state_tvalid,
    output logic            s_axis_state_tready,
    input  logic [63:0]     s_axis_state_tdata,    // SplitMix64 state before this token, 1 beat
    input  logic            s_axis_state_tlast,    // 1
    input  logic            s_axis_logits_tvalid,
    output logic            s_axis_logits_tready,
    input  logic [L*32-1:0] s_axis_logits_tdata,   // element l of beat b: logit b * L + l, int32
    input  logic            s_axis_logits_tlast,   // last beat of the token
    output logic            m_axis_token_tvalid,
    input  logic            m_axis_token_tready,
    output logic [31:0]     m_axis_token_tdata,    // the token id, 1 beat
    output logic            m_axis_token_tlast,    // 1
    output logic            m_axis_state_tvalid,
    input  logic            m_axis_state_tready,
    output logic [63:0]     m_axis_state_tdata,    // the state after (greedy: unchanged), 1 beat
    output logic            m_axis_state_tlast,    // 1
    output logic            status_err             // sticky: an input tlast off the last beat
);
    localparam int LW = L > 1 ? $clog2(L) : 1;  // lane number
    localparam int CW = 16 + $clog2(KMAX);      // cumulative weights: total <= KMAX * 2^15
    localparam int ZS = 49;                     // remainder steps: z bits below the 15-bit seed
    localparam logic [63:0] GOLDEN = 64'h9e3779b97f4a7c15;
    localparam logic [63:0] MIX1 = 64'hbf58476d1ce4e5b9;
    localparam logic [63:0] MIX2 = 64'h94d049bb133111eb;

    typedef enum logic [2:0] {
        P_IN,    // logits beats (and the state beat, taken in any phase until it has come)
        P_FIN,   // greedy: the token is known, the state beat has not come
        P_POP,   // top-k: one list head per cycle into the weight pipeline
        P_ACC,   // top-k: the weight pipeline drains
        P_SEED,  // top-k: total known, z not yet
        P_MOD,   // top-k: r = z mod total, one remainder step per cycle
        P_SCAN,  // top-k: the first cumulative weight > r
        P_OUT    // both output beats wait to be accepted
    } phase_t;

    phase_t phase;
    logic err;
    logic [31:0] elems;  // logits of the token taken so far
    logic have_st;       // the state beat of this transaction has been taken
    logic [63:0] st_q, adv_q, z1_q, z2_q;
    logic [1:0] zc;      // SplitMix stages filled since have_st: z is valid at 3
    logic signed [31:0] best_v;  // greedy running maximum
    logic [31:0] best_i;
    logic [7:0] pc, wcnt;        // pops issued / weights accumulated
    logic signed [31:0] mx_q;    // the largest logit (pop 0)
    logic v1, v2;                // weight pipeline stages hold a pop
    logic [31:0] d1, i1, i2;
    logic [4:0] sh2;
    logic [15:0] rom_e;
    logic [CW-1:0] acc_q, den_q, rem_q;
    logic [ZS-1:0] zlo_q;        // z bits still to enter the remainder, next at the top
    logic [5:0] rcnt;
    logic [KMAX*CW-1:0] cum_q;   // cum_j, j < k
    logic [KMAX*32-1:0] sidx_q;  // index of the j-th largest logit
    logic tok_v, sto_v;
    logic [31:0] tok_q;
    logic [63:0] sto_q;

    // ---- input handshakes ----------------------------------------------------------------------
    assign s_axis_logits_tready = (phase == P_IN);
    assign s_axis_state_tready = !have_st;
    wire logit_fire = s_axis_logits_tvalid && s_axis_logits_tready;
    wire st_fire = s_axis_state_tvalid && s_axis_state_tready;
    wire first = (elems == 32'd0);
    wire last_beat = (elems + 32'(L) == cfg_vocab);
    wire topk = (cfg_top_k > 8'd1);
    wire [7:0] k_last = cfg_top_k - 8'd1;
    wire st_avail = have_st || st_fire;
    wire [63:0] st_cur = have_st ? st_q : s_axis_state_tdata;

    // a strictly ahead of b in golden order: value descending, then index ascending (tie-high:
    // index descending); an empty entry is behind everything
    function automatic logic ahead(input logic av, input logic signed [31:0] a,
                                   input logic [31:0] ai, input logic bv,
                                   input logic signed [31:0] b, input logic [31:0] bi);
        ahead = av && (!bv || (a > b) || (a == b && ((FAULT == 1) ? (ai > bi) : (ai < bi))));
    endfunction

    // ---- the compare tree: the beat's logits (P_IN) or the list heads (P_POP) -------------------
    logic [L-1:0] head_vd;
    logic [L*32-1:0] head_v, head_i;
    logic [L-1:0] tr_vd;
    logic [L*32-1:0] tr_v, tr_i;
    logic [L*LW-1:0] tr_l;
    wire pop_mode = (phase == P_POP);
    always_comb begin
        for (int l = 0; l < L; l++) begin
            tr_vd[l] = pop_mode ? head_vd[l] : 1'b1;
            tr_v[l*32+:32] = pop_mode ? head_v[l*32+:32] : s_axis_logits_tdata[l*32+:32];
            tr_i[l*32+:32] = pop_mode ? head_i[l*32+:32] : elems + 32'(l);
            tr_l[l*LW+:LW] = LW'(l);
        end
        // node i takes node i + s when that one is ahead (i + s holds the higher lanes)
        for (int s = 1; s < L; s = s * 2) begin
            for (int i = 0; i + s < L; i = i + 2 * s) begin
                if (ahead(tr_vd[i+s], tr_v[(i+s)*32+:32], tr_i[(i+s)*32+:32], tr_vd[i],
                          tr_v[i*32+:32], tr_i[i*32+:32])) begin
                    tr_vd[i] = tr_vd[i+s];
                    tr_v[i*32+:32] = tr_v[(i+s)*32+:32];
                    tr_i[i*32+:32] = tr_i[(i+s)*32+:32];
                    tr_l[i*LW+:LW] = tr_l[(i+s)*LW+:LW];
                end
            end
        end
    end
    wire signed [31:0] win_v = tr_v[31:0];
    wire [31:0] win_i = tr_i[31:0];
    wire [LW-1:0] win_l = tr_l[LW-1:0];
    // greedy: the beat's winner replaces the running maximum only when strictly greater
    wire best_take = first || ahead(1'b1, win_v, win_i, 1'b1, best_v, best_i);
    wire [31:0] g_tok = best_take ? win_i : best_i;

    // ---- the lane lists (top-k): insertion of lane l's logit, or a pop of the head --------------
    wire ins = logit_fire && topk;
    for (genvar l = 0; l < L; l++) begin : g_lane
        logic [KMAX*32-1:0] v_q, i_q;
        logic [KMAX-1:0] vd_q;
        logic [KMAX*32-1:0] v_ins, i_ins;
        logic [KMAX-1:0] vd_ins, gt;
        wire signed [31:0] x = s_axis_logits_tdata[l*32+:32];
        wire [31:0] xi = elems + 32'(l);
        wire [KMAX-1:0] ev = first ? '0 : vd_q;  // the lists start empty at a token's first beat
        wire pop = pop_mode && (win_l == LW'(l));
        for (genvar i = 0; i < KMAX; i++) begin : g_cell
            // x goes before entry i (empty entries are behind everything; equal: x is later)
            assign gt[i] = !ev[i] || (x > $signed(v_q[i*32+:32]));
            if (i == 0) begin : g_top
                assign v_ins[i*32+:32] = gt[i] ? x : v_q[i*32+:32];
                assign i_ins[i*32+:32] = gt[i] ? xi : i_q[i*32+:32];
                assign vd_ins[i] = gt[i] || ev[i];
            end else begin : g_rest
                assign v_ins[i*32+:32] = gt[i-1] ? v_q[(i-1)*32+:32] :
                                         gt[i] ? x : v_q[i*32+:32];
                assign i_ins[i*32+:32] = gt[i-1] ? i_q[(i-1)*32+:32] :
                                         gt[i] ? xi : i_q[i*32+:32];
                assign vd_ins[i] = gt[i-1] ? ev[i-1] : (gt[i] || ev[i]);
            end
        end
        always_ff @(posedge clk) begin
            if (rst) begin
                vd_q <= '0;
            end else if (ins) begin
                vd_q <= vd_ins;
            end else if (pop) begin
                vd_q <= {1'b0, vd_q[KMAX-1:1]};
            end
        end
        always_ff @(posedge clk) begin
            if (ins) begin
                v_q <= v_ins;
                i_q <= i_ins;
            end else if (pop) begin
                v_q <= {32'd0, v_q[KMAX*32-1:32]};
                i_q <= {32'd0, i_q[KMAX*32-1:32]};
            end
        end
        assign head_vd[l] = vd_q[0];
        assign head_v[l*32+:32] = v_q[31:0];
        assign head_i[l*32+:32] = i_q[31:0];
    end

    // ---- weight pipeline: stage 1 u and the ROM read, stage 2 e and the running sum -------------
    wire [15:0] mult_m = cfg_mult[15:0];
    wire [5:0] mult_sh = cfg_mult[21:16];
    wire [47:0] prod = d1 * mult_m;  // exact, < 2^48
    wire [61:0] half = (mult_sh == 6'd0) ? 62'd0 : 62'd1 << (mult_sh - 6'd1);
    wire [61:0] biased = 62'(prod) + half;  // < 2^62
    wire [61:0] scaled = biased >> mult_sh;
    wire [12:0] u = (|scaled[61:13]) ? 13'h1fff : scaled[12:0];
    flexllm_exp2_rom u_rom (.clk(clk), .en(v1), .k(u[7:0]), .e(rom_e));
    // rshift_rnd(EXP2, s): EXP2 + 2^(s-1) < 2^16 for s <= 16; every s > 16 gives 0
    wire [16:0] e_half = (sh2 == 5'd0 || sh2 > 5'd16) ? 17'd0 : 17'd1 << (sh2 - 5'd1);
    wire [16:0] e_w = ({1'b0, rom_e} + e_half) >> sh2;  // <= 2^15
    wire [CW-1:0] acc_next = acc_q + CW'(e_w);
    wire acc_last = v2 && (wcnt == k_last);

    always_ff @(posedge clk) begin
        if (pop_mode) begin
            d1 <= (pc == 8'd0) ? 32'd0 : 32'(mx_q - win_v);
            i1 <= win_i;
            if (pc == 8'd0) mx_q <= win_v;
        end
        if (v1) begin
            sh2 <= u[12:8];
            i2 <= i1;
        end
        for (int j = 0; j < KMAX; j++) begin
            if (v2 && wcnt == 8'(j)) begin
                cum_q[j*CW+:CW] <= acc_next;
                sidx_q[j*32+:32] <= i2;
            end
        end
    end

    // ---- SplitMix64: state' = state + golden gamma, two mixing products ------------------------
    wire [63:0] x1 = adv_q ^ (adv_q >> 30);
    wire [63:0] x2 = z1_q ^ (z1_q >> 27);
    wire [63:0] z = z2_q ^ (z2_q >> 31);
    wire zv = (zc == 2'd3);
    always_ff @(posedge clk) begin
        if (have_st) begin
            adv_q <= st_q + GOLDEN;
            z1_q <= x1 * MIX1;
            z2_q <= x2 * MIX2;
        end
    end

    // ---- remainder step and the scan -----------------------------------------------------------
    wire [CW:0] rem_sh = {rem_q, zlo_q[ZS-1]};
    wire fits = rem_sh >= {1'b0, den_q};
    wire [CW-1:0] rem_sub = CW'(rem_sh - {1'b0, den_q});  // < total when it fits
    logic [KMAX-1:0] gt_r;
    logic [31:0] scan_tok;
    always_comb begin
        for (int j = 0; j < KMAX; j++) gt_r[j] = (8'(j) >= cfg_top_k) || (cum_q[j*CW+:CW] > rem_q);
        scan_tok = 32'd0;
        for (int j = 0; j < KMAX; j++) begin
            if (gt_r[j] && (j == 0 || !gt_r[(j > 0) ? j - 1 : 0]))
                scan_tok = scan_tok | sidx_q[j*32+:32];
        end
    end

    // ---- outputs -------------------------------------------------------------------------------
    wire tok_done = !tok_v || m_axis_token_tready;
    wire sto_done = !sto_v || m_axis_state_tready;
    wire out_done = (FAULT == 2) ? (m_axis_token_tready || m_axis_state_tready)
                                 : (tok_done && sto_done);

    always_ff @(posedge clk) begin
        if (rst) begin
            phase <= P_IN;
            err <= 1'b0;
            elems <= 32'd0;
            have_st <= 1'b0;
            zc <= 2'd0;
            pc <= 8'd0;
            wcnt <= 8'd0;
            v1 <= 1'b0;
            v2 <= 1'b0;
            tok_v <= 1'b0;
            sto_v <= 1'b0;
        end else begin
            v1 <= pop_mode;
            v2 <= v1;
            if (st_fire) begin
                st_q <= s_axis_state_tdata;
                have_st <= 1'b1;
                if (!s_axis_state_tlast) err <= 1'b1;
            end
            if (have_st && zc != 2'd3) zc <= zc + 2'd1;
            if (v2) begin
                acc_q <= acc_next;
                wcnt <= wcnt + 8'd1;
            end
            case (phase)
                P_IN: begin
                    if (logit_fire) begin
                        if (s_axis_logits_tlast != last_beat) err <= 1'b1;
                        if (best_take) begin
                            best_v <= win_v;
                            best_i <= win_i;
                        end
                        elems <= last_beat ? 32'd0 : elems + 32'(L);
                        if (last_beat) begin
                            if (topk) begin
                                phase <= P_POP;
                                pc <= 8'd0;
                                wcnt <= 8'd0;
                                acc_q <= '0;
                            end else begin
                                tok_q <= g_tok;
                                if (st_avail) begin
                                    sto_q <= st_cur;
                                    tok_v <= 1'b1;
                                    sto_v <= 1'b1;
                                    phase <= P_OUT;
                                end else begin
                                    phase <= P_FIN;
                                end
                            end
                        end
                    end
                end
                P_FIN: begin
                    if (st_avail) begin
                        sto_q <= st_cur;
                        tok_v <= 1'b1;
                        sto_v <= 1'b1;
                        phase <= P_OUT;
                    end
                end
                P_POP: begin
                    pc <= pc + 8'd1;
                    if (pc == k_last) phase <= P_ACC;
                end
                P_ACC: begin
                    if (acc_last) begin
                        den_q <= acc_next;
                        if (zv) begin
                            rem_q <= CW'(z[63:ZS]);
                            zlo_q <= z[ZS-1:0];
                            rcnt <= 6'(ZS);
                            phase <= P_MOD;
                        end else begin
                            phase <= P_SEED;
                        end
                    end
                end
                P_SEED: begin
                    if (zv) begin
                        rem_q <= CW'(z[63:ZS]);
                        zlo_q <= z[ZS-1:0];
                        rcnt <= 6'(ZS);
                        phase <= P_MOD;
                    end
                end
                P_MOD: begin
                    rem_q <= fits ? rem_sub : rem_sh[CW-1:0];
                    zlo_q <= {zlo_q[ZS-2:0], 1'b0};
                    rcnt <= rcnt - 6'd1;
                    if (rcnt == 6'd1) phase <= P_SCAN;
                end
                P_SCAN: begin
                    tok_q <= scan_tok;
                    sto_q <= adv_q;
                    tok_v <= 1'b1;
                    sto_v <= 1'b1;
                    phase <= P_OUT;
                end
                P_OUT: begin
                    tok_v <= tok_v && !m_axis_token_tready;
                    sto_v <= sto_v && !m_axis_state_tready;
                    if (out_done) begin
                        tok_v <= 1'b0;
                        sto_v <= 1'b0;
                        have_st <= 1'b0;
                        zc <= 2'd0;
                        phase <= P_IN;
                    end
                end
                default: phase <= P_IN;
            endcase
        end
    end

    assign m_axis_token_tvalid = tok_v;
    assign m_axis_token_tdata = tok_q;
    assign m_axis_token_tlast = 1'b1;
    assign m_axis_state_tvalid = sto_v;
    assign m_axis_state_tdata = sto_q;
    assign m_axis_state_tlast = 1'b1;
    assign status_err = err;
endmodule
