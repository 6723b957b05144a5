// Hand-written (not generated) SystemVerilog: flexllm_embedding, the embedding lookup
// (golden/NUMERICS.md §2.13): for each token id of a group, its row of the int32 act table in
// off-chip memory, emitted in the vector-stage layout of T tokens x L lanes per beat.
// The table is row-major, cfg_d elements per row, read in beats of T * L elements through an
// addressed read channel (TAPA async_mmap / an AXI4 read channel as two streams): a request
// {count[63:32], addr[31:0]} on m_axis_rd asks for `count` consecutive table beats from beat
// `addr` (a row: addr = id * cfg_d / (T * L), count = cfg_d / (T * L)); the memory answers the
// requests in order on s_axis_rd, tlast on each request's last beat.
// Micro-architecture: two row buffers (ping-pong), each T banks of cfg_d / (T * L) table beats.
// A token beat (T ids; 0xFFFFFFFF = no token, which emits zeros) claims the free buffer; the
// issuer walks its T lanes, one per cycle, and requests the row of each valid id (an id >=
// cfg_vocab is an error: status_err, zeros, no request); a tag FIFO of the outstanding rows
// steers each response beat into its buffer and bank. Output beat b of a group (cfg_d / L of
// them) carries element b * L + l of token t in lane t * L + l: word b / T of bank t, elements
// (b % T) * L .. (b % T) * L + L - 1. The emitter follows the group's last row as it arrives (cut
// through: beat b leaves once word b / T of that row is in), one beat per cycle, while the other
// buffer loads the next group. A group of n tokens loads n * cfg_d / (T * L) response beats,
// paced by the memory; its first beat waits for the rows of its first n - 1 tokens.
module flexllm_embedding #(
    parameter int T = 1,      // tokens per beat (prefill TP, decode 1)
    parameter int L = 1,      // lanes (consecutive elements of one token) per beat
    parameter int DMAX = 64,  // longest row the buffers hold (a multiple of T * L)
    parameter int FAULT = 0   // 0 none, 1 id-bit (bit 0 of every id is dropped from its
                              // request address), 2 emit-early (a buffer is emitted once its
                              // last row is requested, before the row has arrived)
) (
    input  logic              clk,
    input  logic              rst,               // synchronous, active high
    input  logic [15:0]       cfg_d,             // row length (hidden), a multiple of T * L
    input  logic [31:0]       cfg_vocab,         // rows in the table
    input  logic              s_axis_tok_tvalid,
    output logic              s_axis_tok_tready,
    input  logic [T*32-1:0]   s_axis_tok_tdata,  // lane t: token t's id, 0xFFFFFFFF = none
    input  logic              s_axis_tok_tlast,  // 1 (one beat per group)
    output logic              m_axis_rd_tvalid,
    input  logic              m_axis_rd_tready,
    output logic [63:0]       m_axis_rd_tdata,   // {count[63:32], addr[31:0]}, in table beats
    output logic              m_axis_rd_tlast,   // 1
    input  logic              s_axis_rd_tvalid,
    output logic              s_axis_rd_tready,
    input  logic [T*L*32-1:0] s_axis_rd_tdata,   // a table beat: T * L consecutive elements
    input  logic              s_axis_rd_tlast,   // last beat of a request
    output logic              m_axis_x_tvalid,
    input  logic              m_axis_x_tready,
    output logic [T*L*32-1:0] m_axis_x_tdata,    // lane t * L + l: element b * L + l of token t
    output logic              m_axis_x_tlast,    // last of the group's cfg_d / L beats
    output logic              status_err         // sticky: a bad id or a misplaced input tlast
);
    localparam int NE = T * L;
    localparam int RB = DMAX / NE;  // most table beats per row (bank words)
    localparam int RW = RB > 1 ? $clog2(RB) : 1;
    localparam int TW = T > 1 ? $clog2(T) : 1;
    localparam int QD = 2 * T;      // tag FIFO depth: every row of both buffers outstanding
    localparam int QW = $clog2(QD);
    localparam logic [31:0] kNone = 32'hffff_ffff;

    typedef enum logic [1:0] {
        B_FREE,  // may take a token beat
        B_LOAD,  // rows requested or arriving
        B_FULL   // every row arrived (emit-early: requested); being emitted
    } bstate_t;

    logic err;
    bstate_t bstate[2];
    logic [T-1:0] bmask[2];  // the lanes holding a token (their banks hold its row)

    // ---- token beats and the request issuer ----
    logic lw;                // the buffer the next token beat loads
    logic iss_busy;          // walking the lanes of buffer lw
    logic [TW-1:0] iss_t;
    logic [T*32-1:0] ids;
    logic [T-1:0] iss_mask;
    wire [15:0] rb = cfg_d / 16'(NE);  // table beats per row
    wire [31:0] id_t = ids[iss_t*32+:32];
    wire [31:0] id_addr = (FAULT == 1) ? {id_t[31:1], 1'b0} : id_t;
    wire iss_want = iss_busy && iss_mask[iss_t];
    wire iss_last = (32'(iss_t) == 32'(T - 1));

    // lane masks of the offered beat: a token, and an id inside the table
    logic [T-1:0] tok_some, tok_ok;
    for (genvar t = 0; t < T; t++) begin : g_tok
        wire [31:0] id = s_axis_tok_tdata[t*32+:32];
        assign tok_some[t] = (id != kNone);
        assign tok_ok[t] = tok_some[t] && (id < cfg_vocab);
    end

    assign s_axis_tok_tready = !iss_busy && (bstate[lw] == B_FREE);
    wire tok_fire = s_axis_tok_tvalid && s_axis_tok_tready;
    assign m_axis_rd_tvalid = iss_want;
    assign m_axis_rd_tdata = {16'd0, rb, 32'(id_addr * {16'd0, rb})};
    assign m_axis_rd_tlast = 1'b1;
    wire rd_fire = iss_want && m_axis_rd_tready;
    wire iss_step = iss_busy && (!iss_mask[iss_t] || m_axis_rd_tready);  // this lane is done
    // the last row of the buffer: no valid lane after iss_t
    wire iss_glast = ~|(iss_mask >> (iss_t + TW'(1))) || iss_last;

    // ---- tag FIFO: per outstanding row its buffer and lane, and whether it is the buffer's last
    logic [TW+1:0] tags[QD];  // {last row, buffer, lane}
    logic [QW:0] q_wr, q_rd;
    wire q_empty = (q_wr == q_rd);
    wire [TW+1:0] head = tags[q_rd[QW-1:0]];
    wire hl = head[TW+1];
    wire hb = head[TW];
    wire [TW-1:0] ht = head[TW-1:0];

    // ---- responses into the banks ----
    logic [15:0] r_k;  // beat of the row
    assign s_axis_rd_tready = !q_empty;
    wire rs_fire = s_axis_rd_tvalid && s_axis_rd_tready;
    wire row_end = (r_k + 16'd1 == rb);

    // ---- the emitter: issue (bank read) -> stage 1 -> output register ----
    logic eb;              // the buffer being emitted
    logic [RW-1:0] e_w;    // bank word
    logic [TW-1:0] e_s;    // beat within the word (b % T)
    logic [15:0] e_cnt;    // elements of each token emitted
    logic q_valid, q_last;
    logic [NE*32-1:0] q_data;
    logic v1, l1;
    logic [TW-1:0] s1;
    logic [T-1:0] m1;
    logic [NE*32-1:0] mem[2][T][RB];  // buffer, bank (lane), table beat of the row
    logic [NE*32-1:0] rd_word[T];     // the emitted buffer's word e_w of each bank
    wire adv = !q_valid || m_axis_x_tready;
    wire e_last = (e_cnt + 16'(L) == cfg_d);
    // A beat may leave once its word has arrived in every bank: the buffer is full, or its last
    // row is arriving and has passed word e_w (the other rows came before it).
    wire e_ready = (bstate[eb] == B_FULL) ||
                   (bstate[eb] == B_LOAD && !q_empty && hl && hb == eb && r_k > 16'(e_w));
    wire issue = adv && e_ready;

    always_ff @(posedge clk) begin
        if (rs_fire) mem[hb][ht][r_k[RW-1:0]] <= s_axis_rd_tdata;
        if (issue)
            for (int t = 0; t < T; t++) rd_word[t] <= mem[eb][t][e_w];
    end

    logic [NE*32-1:0] x_next;
    always_comb begin
        for (int t = 0; t < T; t++)
            for (int l = 0; l < L; l++)
                x_next[(t*L+l)*32+:32] =
                    m1[t] ? rd_word[t][(32'(s1) * L + l)*32+:32] : 32'd0;
    end

    always_ff @(posedge clk) begin
        if (tok_fire) ids <= s_axis_tok_tdata;
        if (rd_fire) tags[q_wr[QW-1:0]] <= {iss_glast, lw, iss_t};
        if (issue) begin
            s1 <= e_s;
            m1 <= bmask[eb];
            l1 <= e_last;
        end
        if (adv && v1) begin
            q_data <= x_next;
            q_last <= l1;
        end
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            err <= 1'b0;
            bstate[0] <= B_FREE;
            bstate[1] <= B_FREE;
            lw <= 1'b0;
            iss_busy <= 1'b0;
            iss_t <= '0;
            q_wr <= '0;
            q_rd <= '0;
            r_k <= '0;
            eb <= 1'b0;
            e_w <= '0;
            e_s <= '0;
            e_cnt <= '0;
            v1 <= 1'b0;
            q_valid <= 1'b0;
        end else begin
            if (tok_fire) begin
                if (!s_axis_tok_tlast || (tok_some & ~tok_ok) != '0) err <= 1'b1;
                bmask[lw] <= tok_ok;
                iss_mask <= tok_ok;
                iss_t <= '0;
                if (tok_ok == '0) begin
                    bstate[lw] <= B_FULL;
                    lw <= !lw;
                end else begin
                    bstate[lw] <= B_LOAD;
                    iss_busy <= 1'b1;
                end
            end
            if (rd_fire) q_wr <= q_wr + 1'b1;
            if (iss_step) begin
                if (iss_want && iss_glast) begin
                    iss_busy <= 1'b0;
                    lw <= !lw;
                    if (FAULT == 2) bstate[lw] <= B_FULL;
                end
                iss_t <= iss_t + TW'(1);
            end
            if (rs_fire) begin
                if (s_axis_rd_tlast != row_end) err <= 1'b1;
                if (row_end) begin
                    r_k <= '0;
                    q_rd <= q_rd + 1'b1;
                    if (hl && FAULT != 2) bstate[hb] <= B_FULL;
                end else begin
                    r_k <= r_k + 16'd1;
                end
            end
            if (adv) v1 <= issue;
            if (m_axis_x_tready) q_valid <= 1'b0;
            if (adv && v1) q_valid <= 1'b1;
            if (issue) begin
                if (e_last) begin
                    bstate[eb] <= B_FREE;
                    eb <= !eb;
                    e_w <= '0;
                    e_s <= '0;
                    e_cnt <= '0;
                end else begin
                    e_cnt <= e_cnt + 16'(L);
                    if (32'(e_s) == 32'(T - 1)) begin
                        e_s <= '0;
                        e_w <= e_w + RW'(1);
                    end else begin
                        e_s <= e_s + TW'(1);
                    end
                end
            end
        end
    end

    assign m_axis_x_tvalid = q_valid;
    assign m_axis_x_tdata = q_data;
    assign m_axis_x_tlast = q_last;
    assign status_err = err;
endmodule
