//! The report's stylesheet (screen and print) and script. Nothing is
//! loaded from elsewhere.

pub const STYLE: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{padding:14px 24px;background:#1d2330;color:#fff}
header h1{margin:0;font-size:20px}
.load{padding:12px 24px 24px;border-bottom:1px solid #d0d7de}
.load>h2{margin:4px 0}
.cols{display:flex;gap:16px;align-items:flex-start}
.steps{flex:0 0 38%;max-width:38%;min-width:0}
.steps::after{content:"";display:block;height:calc(100vh - 240px)}
.ladder{flex:1;min-width:0;position:sticky;top:8px;max-height:calc(100vh - 16px);display:flex;flex-direction:column;overflow-x:auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:4px}
.ladder-head{flex:none;overflow-y:hidden;scrollbar-gutter:stable;border-bottom:1px solid #eaeef2}
.ladder-body{flex:1 1 auto;min-height:0;overflow-y:auto;scrollbar-gutter:stable}
.diagram,.diagram-head{display:block;width:100%;height:auto}
.conns{list-style:none;margin:2px 4px 6px;padding:0;font-size:12px;display:flex;flex-wrap:wrap;gap:2px 14px}
.conns i,.wf-name i,.wf-legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.step{background:#fff;border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:6px;margin:0 0 10px;padding:8px 12px;cursor:pointer}
.step.observed{border-left-color:#1a7f37}.step.inferred{border-left-color:#bf8700}.step.not_visible{border-left-color:#8c959f}.step.not_applicable{border-left-color:#d0d7de}
.loads{padding:8px 24px;overflow-x:auto}table.loads{border-collapse:collapse;font-size:13px}
table.loads th,table.loads td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;white-space:nowrap}
table.loads td.observed{background:#dafbe1}table.loads td.inferred{background:#fff8c5}table.loads td.not_visible{background:#eaeef2}table.loads td.not_applicable{color:#8c959f}
h2.others{padding:12px 24px 0;margin:0}
.step:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.step.active{outline:3px solid #0969da;background:#f3f8ff}
.step h3{margin:0 0 4px;font-size:15px}
.status{font-size:12px;padding:1px 6px;border-radius:10px;background:#eaeef2;margin-left:6px;font-weight:normal}
.meta{color:#57606a;font-size:12px}
.step ul{margin:6px 0;padding-left:18px;font-size:13px}
.why{font-size:13px;color:#57606a}
.cite{font-size:12px;color:#0969da}
.check{font-size:13px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;padding:6px;margin-top:6px}
svg text{font-size:12px;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.lane-label{font-weight:bold;fill:#1d2330}
.lane-label .addr{font-weight:normal;fill:#57606a;font-size:11px}
.lifeline{stroke:#afb8c1;stroke-dasharray:4 3}
.arrow line,.run line,.p-arrow line{stroke:currentColor;stroke-width:1.4}
.arrow polygon,.arrow circle,.run polygon,.p-arrow polygon,.p-arrow circle{fill:currentColor}
.label{fill:currentColor}
.frame,.time,.axis{fill:#57606a;font-size:11px}
.run line.thick{stroke-width:6;stroke-opacity:.45}
.run{cursor:pointer}
.run:focus{outline:none}.run:focus .label{text-decoration:underline}
.arrow.hl line{stroke-width:3}
.hl .label{font-weight:bold}
.hl .frame,.hl .time{fill:#0969da;font-weight:bold}
.dim{opacity:.22}
.waterfall{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:8px 0 14px}
.waterfall h3{margin:0 0 6px;font-size:15px}
.wf-axis,.wf-row{display:flex;align-items:center;gap:8px;min-height:22px}
.wf-name{flex:0 0 28%;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;font-size:13px}
.wf-name small{color:#57606a}
.wf-track{position:relative;flex:1;height:14px;background:#f6f8fa;border-radius:2px}
.wf-axis .wf-track{background:none;height:16px;border-bottom:1px solid #d0d7de}
.tick{position:absolute;top:0;font-size:11px;color:#57606a;border-left:1px solid #d0d7de;padding-left:2px;white-space:nowrap}
.phase{position:absolute;top:2px;height:10px;min-width:2px;border-radius:2px}
.wf-end{position:absolute;top:-1px;margin-left:6px;font-size:11px;color:#57606a;white-space:nowrap}
.wf-legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;padding:0;margin:8px 0 0;font-size:12px;color:#57606a}
.print-ladder{display:none}
footer{padding:12px 24px;color:#57606a;font-size:13px}
@media (max-width:1000px){
 .cols{flex-direction:column;align-items:stretch}
 .steps{flex:none;max-width:none}
 .ladder{order:-1;top:0;max-height:60vh;z-index:1;box-shadow:0 2px 6px rgba(0,0,0,.15)}
 .step{scroll-margin-top:calc(60vh + 8px)}
 .wf-name{flex-basis:34%}
}
@media print{
 @page{size:A4;margin:12mm}
 body{background:#fff;font-size:12px}
 header{background:none;color:#000;border-bottom:2px solid #000;padding:0 0 6px}
 .load{padding:8px 0;border:none}
 .load+.load{break-before:page}
 .cols{display:block}
 .steps{max-width:none}
 .ladder{display:none}
 .steps::after{display:none}
 .step{cursor:auto;margin-bottom:6px}
 .step h3{break-after:avoid}
 .step ul li,.check{break-inside:avoid}
 .step.active{outline:none;background:#fff}
 .waterfall{break-inside:avoid}
 .print-ladder{display:block}
 .print-ladder h3{break-after:avoid}
 .diagram-page{display:block;width:100%;height:auto;break-inside:avoid;margin:0 0 6mm}
 .dim{opacity:1}
 *{overflow:visible!important;max-height:none!important}
}
"#;

pub const SCRIPT: &str = r#"
(function(){
function rows(svg){
  var y=+svg.dataset.top,step=+svg.dataset.row;
  svg.querySelectorAll('.row').forEach(function(r){
    if(r.style.display==='none')return;
    r.setAttribute('transform','translate(0,'+y+')');y+=step;
  });
  var h=y+8,vb=svg.viewBox.baseVal;
  svg.setAttribute('viewBox','0 0 '+vb.width+' '+h);
  svg.querySelectorAll('.lifeline').forEach(function(l){l.setAttribute('y2',h)});
}
function toggle(run){
  var svg=run.ownerSVGElement,open=run.getAttribute('aria-expanded')!=='true';
  run.setAttribute('aria-expanded',open?'true':'false');
  run.querySelector('.toggle').textContent=open?'\u25be ':'\u25b8 ';
  svg.querySelectorAll('.member[data-run="'+run.dataset.run+'"]').forEach(function(m){m.style.display=open?'':'none'});
  rows(svg);
}
function mine(el,id){return (' '+el.dataset.steps+' ').indexOf(' '+id+' ')>=0}
function shown(el){var r=el.closest('.row');return !r||r.style.display!=='none'}
function choose(load,step,on){
  var id=step.dataset.step,first=null;
  load.querySelectorAll('.step').forEach(function(s){s.classList.remove('active');s.setAttribute('aria-pressed','false')});
  load.querySelectorAll('.ladder .arrow,.ladder .run').forEach(function(a){
    var m=mine(a,id);
    a.classList.toggle('hl',on&&m);a.classList.toggle('dim',on&&!m);
    if(on&&m&&!first&&shown(a))first=a;
  });
  if(!on)return;
  step.classList.add('active');step.setAttribute('aria-pressed','true');
  if(first){
    var box=load.querySelector('.ladder-body'),r=first.getBoundingClientRect(),b=box.getBoundingClientRect();
    box.scrollTop+=r.top-b.top-Math.min(60,b.height/4);
  }
}
function address(id){
  var url=location.pathname+location.search+(id?'#step='+id:'');
  try{history.replaceState(null,'',url)}catch(e){location.hash=id?'step='+id:''}
}
document.querySelectorAll('.load').forEach(function(load){
  load.querySelectorAll('.step').forEach(function(step){
    step.addEventListener('click',function(){
      var on=!step.classList.contains('active');
      choose(load,step,on);address(on?step.dataset.step:'');
    });
    step.addEventListener('keydown',function(e){
      if(e.key==='Enter'||e.key===' '){e.preventDefault();step.click();}
    });
  });
  load.querySelectorAll('.run').forEach(function(run){
    run.addEventListener('click',function(){toggle(run)});
    run.addEventListener('keydown',function(e){
      if(e.key==='Enter'||e.key===' '){e.preventDefault();toggle(run);}
    });
  });
});
// A link such as report.html#step=dns opens with that step chosen and
// in view.
function fromAddress(){
  var m=location.hash.match(/step=([a-z_]+)/);if(!m)return;
  var first=null;
  document.querySelectorAll('.load').forEach(function(load){
    var s=load.querySelector('.step[data-step="'+m[1]+'"]');
    if(s){choose(load,s,true);first=first||s;}
  });
  if(first){first.scrollIntoView({block:'start'});first.focus({preventScroll:true});}
}
window.addEventListener('hashchange',fromAddress);
fromAddress();
})();
"#;
