// Hand-written (not generated) SystemVerilog: flexllm_attn_scores, the causal Q * K^T core
// (golden/NUMERICS.md §2.7): S[r][j] = sum_d q8[r][d] * k8[set(r)][j][d], int32 exact, for the
// R query rows of one group (prefill, TOKEN_ROWS: R consecutive tokens of one head at positions
// p_r = qpos0 + r; decode: R heads of one token, p_r = qpos0) and keys j = 0..p_r; every masked
// (j > p_r) or padding (r >= nrows) entry is exactly 0. Per group: one header beat
// {nrows[31:16], qpos0[15:0]} (two header registers: the next group's header is taken while this
// group runs); then nblk = ceil(n_max / K) key blocks (n_max = p_{nrows-1} + 1), cfg_head_dim k
// beats each, one per cycle into R x K int8 MACs (d-serial reduction); block 0's k beats are
// joined with the q beats (beat d of both together), which are kept in an R x HD_MAX int8 buffer
// for blocks 1..nblk-1. The last d of a block sends the masked sums to a two-entry output queue
// (output register + skid), so the next block's MACs start while the output waits. Without stalls
// (all inputs offered from the first cycle), G groups take
// sum_g nblk_g * cfg_head_dim + 2 cycles from the first input beat accepted (on any port: the
// first header) to the last output beat accepted (both counted); data-independent. Faults:
// 1 mask-plus-one (datapath: key j = p_r + 1 is kept instead of 0), 2 pop-stalled (handshake: the
// output queue pops a beat while m_axis_s_tready is low, so a stalled beat is lost).
module flexllm_attn_scores #(
    parameter int R = 4,           // query rows per group (prefill attn_tp, decode heads_parallel)
    parameter int K = 4,           // keys per beat (prefill attn_kv, decode kv_parallel)
    parameter int SETS = 1,        // key sets per k beat: 1 (row r uses set 0) or R (set r)
    parameter int TOKEN_ROWS = 1,  // 1: row r is query position qpos0 + r; 0: all rows at qpos0
    parameter int HD_MAX = 64,     // largest head_dim (the q buffer depth), 1..65535
    parameter int P_MAX = 256,     // positions bound: p_r < P_MAX <= 65536
    parameter int FAULT = 0        // 0 none, 1 mask-plus-one (key j = p_r + 1 kept, not 0),
                                   // 2 pop-stalled (the output queue pops while tready is low:
                                   //   a stalled beat is lost)
) (
    input  logic              clk,
    input  logic              rst,               // synchronous, active high
    input  logic [15:0]       cfg_head_dim,      // head_dim, 1..HD_MAX
    input  logic              s_axis_hdr_tvalid,
    output logic              s_axis_hdr_tready,
    input  logic [31:0]       s_axis_hdr_tdata,  // {nrows[31:16] (1..R), qpos0[15:0]}
    input  logic              s_axis_hdr_tlast,  // 1 (one beat per group)
    input  logic              s_axis_q_tvalid,
    output logic              s_axis_q_tready,
    input  logic [R*8-1:0]    s_axis_q_tdata,    // beat d, element r: q[r][d], int8
    input  logic              s_axis_q_tlast,    // beat cfg_head_dim - 1
    input  logic              s_axis_k_tvalid,
    output logic              s_axis_k_tready,
    input  logic [SETS*K*8-1:0] s_axis_k_tdata,  // beat (blk, d), element s * K + k: set s, key
                                                 //   j = blk * K + k, dim d, int8
    input  logic              s_axis_k_tlast,    // the group's last beat (blk nblk - 1, d hd - 1)
    output logic              m_axis_s_tvalid,
    input  logic              m_axis_s_tready,
    output logic [R*K*32-1:0] m_axis_s_tdata,    // beat blk, element r * K + k: S[r][blk*K + k]
    output logic              m_axis_s_tlast,    // the group's last block
    output logic              status_err         // sticky: an input tlast off the group's last beat
);
    localparam int NE = R * K;
    localparam int DW = HD_MAX > 1 ? $clog2(HD_MAX) : 1;  // q buffer address
    localparam int AW = 16 + $clog2(HD_MAX);              // |S| <= HD_MAX * 2^14: exact
    localparam int PW = $clog2(P_MAX + R + K) + 1;        // positions and their differences

    // Header registers: h1 the running group, h2 the next one (taken while h1 runs).
    logic h1_valid, h2_valid;
    logic [15:0] h1_nrows, h2_nrows;
    logic [PW-1:0] h1_qpos0, h2_qpos0;
    logic [PW-1:0] h1_plast, h2_plast;    // p_{nrows-1}, the last valid row's position
    logic [15:0] dd;                      // dimension of the next k beat
    logic [PW-1:0] blk_base;              // first key of the current block (blk * K)
    logic [NE*AW-1:0] acc, acc_next;      // running sums of the block, element r * K + k
    logic [R*8-1:0] qbuf[HD_MAX];         // the group's q beats, for blocks 1..nblk-1
    // Output queue: o (drives m_axis_s) and the skid s behind it.
    logic o_valid, o_last, s_valid, s_last, err;
    logic [NE*AW-1:0] o_data, s_data, blk_sums;

    wire [15:0] hdr_nrows = s_axis_hdr_tdata[31:16];
    wire [PW-1:0] hdr_qpos0 = PW'(s_axis_hdr_tdata[15:0]);  // < P_MAX
    wire [PW-1:0] hdr_plast = (TOKEN_ROWS != 0) ? hdr_qpos0 + PW'(hdr_nrows) - PW'(1) : hdr_qpos0;

    wire first_blk = (blk_base == '0);
    wire last_d = (dd + 16'd1 == cfg_head_dim);
    wire last_blk = (blk_base + PW'(K) > h1_plast);
    // A block's last beat needs a free output entry (registered state only: no path from
    // m_axis_s_tready).
    wire space = !last_d || !s_valid;
    assign s_axis_k_tready = h1_valid && space && (!first_blk || s_axis_q_tvalid);
    assign s_axis_q_tready = h1_valid && space && first_blk && s_axis_k_tvalid;
    assign s_axis_hdr_tready = !h2_valid;
    wire hdr_fire = s_axis_hdr_tvalid && s_axis_hdr_tready;
    wire k_fire = s_axis_k_tvalid && s_axis_k_tready;  // (with q in block 0)
    wire blk_end = k_fire && last_d;
    wire grp_end = blk_end && last_blk;
    wire pop = o_valid && (m_axis_s_tready || FAULT == 2);  // pop-stalled: pops while stalled

    always_ff @(posedge clk) begin
        if (k_fire && first_blk) qbuf[dd[DW-1:0]] <= s_axis_q_tdata;
    end
    wire [R*8-1:0] q_cur = first_blk ? s_axis_q_tdata : qbuf[dd[DW-1:0]];

    for (genvar r = 0; r < R; r++) begin : g_row
        // keys j <= p_r are kept: j - blk_base = k <= lim = p_r - blk_base
        wire [PW-1:0] p_r = (TOKEN_ROWS != 0) ? h1_qpos0 + PW'(r) : h1_qpos0;
        wire signed [PW-1:0] lim = $signed(p_r - blk_base);
        wire row_ok = (h1_nrows > 16'(r));
        wire signed [7:0] qv = q_cur[r*8+:8];
        for (genvar k = 0; k < K; k++) begin : g_key
            localparam int E = r * K + k;
            localparam int KI = ((SETS == 1) ? 0 : r) * K + k;
            wire signed [7:0] kv = s_axis_k_tdata[KI*8+:8];
            wire signed [15:0] prod = qv * kv;
            wire signed [AW-1:0] sum = (dd == 16'd0 ? AW'(0) : $signed(acc[E*AW+:AW])) + AW'(prod);
            wire keep = row_ok && ((FAULT == 1) ? (lim >= PW'(k - 1)) : (lim >= PW'(k)));
            assign acc_next[E*AW+:AW] = sum;
            assign blk_sums[E*AW+:AW] = keep ? sum : AW'(0);
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            h1_valid <= 1'b0;
            h2_valid <= 1'b0;
            h1_nrows <= 16'd0;
            h1_qpos0 <= '0;
            h1_plast <= '0;
            dd <= 16'd0;
            blk_base <= '0;
            o_valid <= 1'b0;
            o_last <= 1'b0;
            s_valid <= 1'b0;
            s_last <= 1'b0;
            err <= 1'b0;
        end else begin
            // headers
            if (hdr_fire && !s_axis_hdr_tlast) err <= 1'b1;
            if (grp_end) begin
                h1_valid <= h2_valid || hdr_fire;
                h1_nrows <= h2_valid ? h2_nrows : hdr_nrows;
                h1_qpos0 <= h2_valid ? h2_qpos0 : hdr_qpos0;
                h1_plast <= h2_valid ? h2_plast : hdr_plast;
                h2_valid <= 1'b0;
            end else if (hdr_fire) begin
                if (!h1_valid) begin
                    h1_valid <= 1'b1;
                    h1_nrows <= hdr_nrows;
                    h1_qpos0 <= hdr_qpos0;
                    h1_plast <= hdr_plast;
                end else begin
                    h2_valid <= 1'b1;
                end
            end
            // beat counters
            if (k_fire) begin
                if (s_axis_k_tlast != (last_d && last_blk)) err <= 1'b1;
                if (first_blk && s_axis_q_tlast != last_d) err <= 1'b1;
                dd <= last_d ? 16'd0 : dd + 16'd1;
                if (last_d) blk_base <= last_blk ? '0 : blk_base + PW'(K);
            end
            // output queue
            if (s_valid) begin
                if (pop) begin
                    o_last <= s_last;
                    s_valid <= 1'b0;
                end
                if (blk_end) s_last <= last_blk;
            end else if (blk_end) begin
                if (!o_valid || pop) begin
                    o_valid <= 1'b1;
                    o_last <= last_blk;
                end else begin
                    s_valid <= 1'b1;
                    s_last <= last_blk;
                end
            end else if (pop) begin
                o_valid <= 1'b0;
            end
        end
    end

    always_ff @(posedge clk) begin
        if (k_fire) acc <= acc_next;
        if (hdr_fire && h1_valid && !grp_end) begin
            h2_nrows <= hdr_nrows;
            h2_qpos0 <= hdr_qpos0;
            h2_plast <= hdr_plast;
        end
        if (s_valid) begin
            if (pop) o_data <= s_data;
            if (blk_end) s_data <= blk_sums;
        end else if (blk_end) begin
            if (!o_valid || pop) o_data <= blk_sums;
            else s_data <= blk_sums;
        end
    end

    for (genvar e = 0; e < NE; e++) begin : g_out
        assign m_axis_s_tdata[e*32+:32] = 32'($signed(o_data[e*AW+:AW]));
    end
    assign m_axis_s_tvalid = o_valid;
    assign m_axis_s_tlast = o_last;
    assign status_err = err;
endmodule
